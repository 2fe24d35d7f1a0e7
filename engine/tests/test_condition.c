/*
 * The Condition element: every operator, IfExists, absent keys, the set
 * operators, and the invalid blocks with their exact messages.  Cases are
 * taken from AWS's "IAM JSON policy elements: Condition operators" and
 * "Condition with multiple context keys or values".
 */

#include <iam/iam_condition.h>
#include "tap.h"


#define ABSENT  "{}"


typedef struct {
    const char  *cond;          /* the Condition block */
    const char  *context;       /* request context: key -> string or list */
    int          want;
    const char  *name;
    unsigned     version;       /* 0: 2012 */
} cond_case_t;

typedef struct {
    const char  *cond;
    const char  *message;       /* the first diagnostic */
    unsigned     version;
} cond_invalid_t;


static iam_pool_t           *pool;
static iam_diags_t           diags;
static iam_context_t         ctx;
static iam_context_entry_t   entries[32];
static iam_str_t             vals[64];


static int compile(const char *cond, unsigned version, iam_condition_t **conds,
    size_t *n);
static json_t *load_context(const char *text);
static int eval(const char *cond, const char *context, unsigned version);
static void test_cases(void);
static void test_invalid(void);
static void test_too_many_values(void);
static void test_compiled(void);
static void test_operator_names(void);
static void test_and(void);


static const cond_case_t  cases[] = {

    /* String operators */

    { "{\"StringEquals\": {\"aws:username\": \"alice\"}}",
      "{\"aws:username\": \"alice\"}", 1, "StringEquals: equal" },
    { "{\"StringEquals\": {\"aws:username\": \"alice\"}}",
      "{\"aws:username\": \"bob\"}", 0, "StringEquals: different" },
    { "{\"StringEquals\": {\"aws:username\": \"alice\"}}",
      ABSENT, 0, "StringEquals: absent key is false" },
    { "{\"StringEquals\": {\"aws:username\": \"alice\"}}",
      "{\"aws:username\": \"Alice\"}", 0, "StringEquals: case-sensitive" },
    { "{\"StringEquals\": {\"AWS:UserName\": \"alice\"}}",
      "{\"aws:username\": \"alice\"}", 1,
      "StringEquals: key names are case-insensitive" },
    { "{\"StringEquals\": {\"aws:username\": [\"bob\", \"alice\"]}}",
      "{\"aws:username\": \"alice\"}", 1, "StringEquals: values are OR'ed" },
    { "{\"StringEquals\": {\"aws:username\": [\"bob\", \"carol\"]}}",
      "{\"aws:username\": \"alice\"}", 0, "StringEquals: none of the values" },
    { "{\"StringEquals\": {\"s3:prefix\": \"a*\"}}",
      "{\"s3:prefix\": \"abc\"}", 0, "StringEquals: '*' is not a wildcard" },
    { "{\"StringEquals\": {\"s3:prefix\": \"a*\"}}",
      "{\"s3:prefix\": \"a*\"}", 1, "StringEquals: '*' is literal" },
    { "{\"StringEquals\": {\"s3:prefix\": \"a${*}\"}}",
      "{\"s3:prefix\": \"a*\"}", 1, "StringEquals: ${*}" },
    { "{\"StringEquals\": {\"aws:username\": \"${aws:PrincipalTag/name}\"}}",
      "{\"aws:username\": \"alice\", \"aws:PrincipalTag/name\": \"alice\"}",
      1, "StringEquals: a policy variable" },
    { "{\"StringEquals\": {\"aws:username\": \"${aws:PrincipalTag/name}\"}}",
      "{\"aws:username\": \"alice\"}", 0,
      "StringEquals: a variable with no value matches nothing" },
    { "{\"StringEquals\": {\"aws:username\": \"${aws:username}\"}}",
      "{\"aws:username\": \"${aws:username}\"}", 1,
      "2008-10-17: ${...} is literal", 2008 },
    { "{\"StringEquals\": {\"aws:username\": \"${aws:username}\"}}",
      "{\"aws:username\": \"alice\"}", 0,
      "2008-10-17: no variable is resolved", 2008 },
    { "{\"StringEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10\"}", 1, "StringEquals: a JSON number as text" },
    { "{\"StringEquals\": {\"aws:SecureTransport\": true}}",
      "{\"aws:SecureTransport\": \"true\"}", 1,
      "StringEquals: a JSON boolean as text" },

    { "{\"StringNotEquals\": {\"aws:username\": \"alice\"}}",
      "{\"aws:username\": \"bob\"}", 1, "StringNotEquals: different" },
    { "{\"StringNotEquals\": {\"aws:username\": \"alice\"}}",
      "{\"aws:username\": \"alice\"}", 0, "StringNotEquals: equal" },
    { "{\"StringNotEquals\": {\"aws:username\": \"alice\"}}",
      ABSENT, 1, "StringNotEquals: absent key is true" },
    { "{\"StringNotEquals\": {\"aws:username\": [\"a\", \"b\"]}}",
      "{\"aws:username\": \"b\"}", 0,
      "StringNotEquals: equal to one of the values" },
    { "{\"StringNotEquals\": {\"aws:username\": [\"a\", \"b\"]}}",
      "{\"aws:username\": \"c\"}", 1,
      "StringNotEquals: none of the values" },
    { "{\"StringNotEquals\": {\"aws:username\": \"${aws:nosuch}\"}}",
      "{\"aws:username\": \"alice\"}", 1,
      "StringNotEquals: a variable with no value matches nothing" },

    { "{\"StringEqualsIgnoreCase\": {\"aws:username\": \"ALICE\"}}",
      "{\"aws:username\": \"alice\"}", 1, "StringEqualsIgnoreCase: equal" },
    { "{\"StringEqualsIgnoreCase\": {\"aws:username\": \"ALICE\"}}",
      "{\"aws:username\": \"bob\"}", 0, "StringEqualsIgnoreCase: different" },
    { "{\"StringEqualsIgnoreCase\": {\"aws:username\": \"A*\"}}",
      "{\"aws:username\": \"abc\"}", 0,
      "StringEqualsIgnoreCase: '*' is literal" },
    { "{\"StringNotEqualsIgnoreCase\": {\"aws:username\": \"ALICE\"}}",
      "{\"aws:username\": \"Alice\"}", 0,
      "StringNotEqualsIgnoreCase: equal but for case" },
    { "{\"StringNotEqualsIgnoreCase\": {\"aws:username\": \"ALICE\"}}",
      "{\"aws:username\": \"bob\"}", 1,
      "StringNotEqualsIgnoreCase: different" },
    { "{\"StringNotEqualsIgnoreCase\": {\"aws:username\": \"ALICE\"}}",
      ABSENT, 1, "StringNotEqualsIgnoreCase: absent key" },

    /* the AWS example: a user lists only the bucket root and home/NAME */
    { "{\"StringLike\": {\"s3:prefix\": [\"\", \"home/\", "
      "\"home/${aws:username}/*\"]}}",
      "{\"s3:prefix\": \"home/alice/docs\", \"aws:username\": \"alice\"}", 1,
      "StringLike: home/${aws:username}/*" },
    { "{\"StringLike\": {\"s3:prefix\": [\"\", \"home/\", "
      "\"home/${aws:username}/*\"]}}",
      "{\"s3:prefix\": \"home/bob/docs\", \"aws:username\": \"alice\"}", 0,
      "StringLike: another user's home" },
    { "{\"StringLike\": {\"s3:prefix\": [\"\", \"home/\", "
      "\"home/${aws:username}/*\"]}}",
      "{\"s3:prefix\": \"\", \"aws:username\": \"alice\"}", 1,
      "StringLike: the empty prefix" },
    { "{\"StringLike\": {\"s3:prefix\": \"home/?\"}}",
      "{\"s3:prefix\": \"home/x\"}", 1, "StringLike: '?'" },
    { "{\"StringLike\": {\"s3:prefix\": \"${aws:nosuch}/*\"}}",
      "{\"s3:prefix\": \"x/y\"}", 0,
      "StringLike: a variable with no value matches nothing" },
    { "{\"StringLike\": {\"s3:prefix\": \"${aws:nosuch, 'public'}/*\"}}",
      "{\"s3:prefix\": \"public/y\"}", 1, "StringLike: a variable's default" },
    { "{\"StringLike\": {\"s3:prefix\": \"${aws:PrincipalTag/p}/*\"}}",
      "{\"s3:prefix\": \"xyz/1\", \"aws:PrincipalTag/p\": \"*\"}", 0,
      "StringLike: a variable's value '*' is literal" },
    { "{\"StringNotLike\": {\"s3:prefix\": \"home/*\"}}",
      "{\"s3:prefix\": \"tmp/x\"}", 1, "StringNotLike: not like" },
    { "{\"StringNotLike\": {\"s3:prefix\": \"home/*\"}}",
      "{\"s3:prefix\": \"home/x\"}", 0, "StringNotLike: like" },
    { "{\"StringNotLike\": {\"s3:prefix\": \"home/*\"}}",
      ABSENT, 1, "StringNotLike: absent key" },
    { "{\"StringNotLike\": {\"s3:prefix\": \"${aws:nosuch}/*\"}}",
      "{\"s3:prefix\": \"x/y\"}", 1,
      "StringNotLike: over a variable with no value is true" },

    /* Numeric operators */

    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10\"}", 1, "NumericEquals: equal" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10.0\"}", 1, "NumericEquals: 10.0 is 10" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"+10\"}", 1, "NumericEquals: +10 is 10" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"1e1\"}", 1, "NumericEquals: 1e1 is 10" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"11\"}", 0, "NumericEquals: different" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"abc\"}", 0,
      "NumericEquals: not a number matches nothing" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10 \"}", 0,
      "NumericEquals: trailing space is not a number" },
    { "{\"NumericEquals\": {\"s3:max-keys\": 0.1}}",
      "{\"s3:max-keys\": \"0.1\"}", 1,
      "NumericEquals: the JSON number 0.1 equals \"0.1\"" },
    { "{\"NumericNotEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"11\"}", 1, "NumericNotEquals: different" },
    { "{\"NumericNotEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10\"}", 0, "NumericNotEquals: equal" },
    { "{\"NumericNotEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"abc\"}", 1,
      "NumericNotEquals: not a number equals no value" },
    { "{\"NumericNotEquals\": {\"s3:max-keys\": 10}}",
      ABSENT, 1, "NumericNotEquals: absent key" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": \"10\"}}",
      "{\"s3:max-keys\": \"9\"}", 1, "NumericLessThan: less" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": \"10\"}}",
      "{\"s3:max-keys\": \"10\"}", 0, "NumericLessThan: equal" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": \"10\"}}",
      "{\"s3:max-keys\": \"-5\"}", 1, "NumericLessThan: negative" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": \"10\"}}",
      "{\"s3:max-keys\": \"9.999\"}", 1, "NumericLessThan: a decimal" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": \"10\"}}",
      ABSENT, 0, "NumericLessThan: absent key" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": \"10\"}}",
      "{\"s3:max-keys\": [\"20\", \"5\"]}", 1,
      "NumericLessThan: any request value" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": 1e20}}",
      "{\"s3:max-keys\": \"5e19\"}", 1, "NumericLessThan: 1e20" },
    { "{\"NumericLessThan\": {\"s3:max-keys\": 1e20}}",
      "{\"s3:max-keys\": \"200000000000000000000\"}", 0,
      "NumericLessThan: beyond 64 bits" },
    { "{\"NumericLessThanEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10\"}", 1, "NumericLessThanEquals: equal" },
    { "{\"NumericLessThanEquals\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"10.5\"}", 0, "NumericLessThanEquals: greater" },
    { "{\"NumericGreaterThan\": {\"s3:max-keys\": 0.5}}",
      "{\"s3:max-keys\": \"0.6\"}", 1, "NumericGreaterThan: greater" },
    { "{\"NumericGreaterThan\": {\"s3:max-keys\": 0.5}}",
      "{\"s3:max-keys\": \"0.5\"}", 0, "NumericGreaterThan: equal" },
    { "{\"NumericGreaterThan\": {\"s3:max-keys\": 0}}",
      "{\"s3:max-keys\": \".5\"}", 1, "NumericGreaterThan: .5" },
    { "{\"NumericGreaterThanEquals\": {\"s3:max-keys\": 0.1}}",
      "{\"s3:max-keys\": \"0.1\"}", 1, "NumericGreaterThanEquals: equal" },
    { "{\"NumericGreaterThanEquals\": {\"s3:max-keys\": 0.1}}",
      "{\"s3:max-keys\": \"0.09\"}", 0, "NumericGreaterThanEquals: less" },

    /* Date operators: ISO 8601 in each form, and epoch seconds */

    { "{\"DateGreaterThan\": {\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}}",
      "{\"aws:CurrentTime\": \"2020-05-01T00:00:00Z\"}", 1,
      "DateGreaterThan: later" },
    { "{\"DateGreaterThan\": {\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}}",
      "{\"aws:CurrentTime\": \"2020-03-31T23:59:59Z\"}", 0,
      "DateGreaterThan: a second earlier" },
    { "{\"DateGreaterThan\": {\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}}",
      "{\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}", 0,
      "DateGreaterThan: the same time" },
    { "{\"DateGreaterThanEquals\": "
      "{\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}}",
      "{\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}", 1,
      "DateGreaterThanEquals: the same time" },
    { "{\"DateGreaterThanEquals\": "
      "{\"aws:CurrentTime\": \"2020-04-01T00:00:00Z\"}}",
      "{\"aws:CurrentTime\": \"2020-03-01T00:00:00Z\"}", 0,
      "DateGreaterThanEquals: earlier" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2020-06-30T23:59:59Z\"}}",
      "{\"aws:CurrentTime\": \"2020-06-30T23:59:58Z\"}", 1,
      "DateLessThan: a second earlier" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2020-06-30T23:59:59Z\"}}",
      "{\"aws:CurrentTime\": \"2020-06-30T23:59:59Z\"}", 0,
      "DateLessThan: the same time" },
    { "{\"DateLessThanEquals\": {\"aws:CurrentTime\": \"2020-06-30\"}}",
      "{\"aws:CurrentTime\": \"2020-06-30T00:00:00Z\"}", 1,
      "DateLessThanEquals: a date is its midnight" },
    { "{\"DateLessThanEquals\": {\"aws:CurrentTime\": \"2020-06-30\"}}",
      "{\"aws:CurrentTime\": \"2020-06-30T00:00:01Z\"}", 0,
      "DateLessThanEquals: a second later" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-01-01\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: YYYY-MM-DD" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-01-01T01:00:00+01:00\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: +hh:mm offset" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2019-12-31T22:30:00-0130\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: -hhmm offset" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-01-01T00:00Z\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: hh:mm without seconds" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-01-01T00:00:00.123Z\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: fractions of a second are below the resolution" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-01-01T00:00:00\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: no zone is UTC" },
    { "{\"DateEquals\": {\"aws:EpochTime\": 1577836800}}",
      "{\"aws:EpochTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "DateEquals: a JSON epoch against ISO" },
    { "{\"DateEquals\": {\"aws:EpochTime\": \"2020-01-01T00:00:00Z\"}}",
      "{\"aws:EpochTime\": \"1577836800\"}", 1,
      "DateEquals: ISO against request epoch seconds" },
    { "{\"DateGreaterThan\": {\"aws:CurrentTime\": \"2024-02-28\"}}",
      "{\"aws:CurrentTime\": \"2024-02-29T00:00:00Z\"}", 1,
      "DateGreaterThan: a leap day" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2020-01-01\"}}",
      "{\"aws:CurrentTime\": \"1970-01-01T00:00:00Z\"}", 1,
      "DateLessThan: the epoch" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2030-01-01\"}}",
      "{\"aws:CurrentTime\": \"2020-02-30T00:00:00Z\"}", 0,
      "DateLessThan: February 30th is not a date" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2030-01-01\"}}",
      "{\"aws:CurrentTime\": \"99999999999999999999\"}", 0,
      "DateLessThan: an epoch too long is not a date" },
    { "{\"DateNotEquals\": {\"aws:CurrentTime\": \"2020-01-01\"}}",
      "{\"aws:CurrentTime\": \"2020-01-01\"}", 0, "DateNotEquals: equal" },
    { "{\"DateNotEquals\": {\"aws:CurrentTime\": \"2020-01-01\"}}",
      "{\"aws:CurrentTime\": \"2020-01-02\"}", 1, "DateNotEquals: different" },
    { "{\"DateNotEquals\": {\"aws:CurrentTime\": \"2020-01-01\"}}",
      "{\"aws:CurrentTime\": \"garbage\"}", 1,
      "DateNotEquals: not a date equals no value" },

    /* Bool, BinaryEquals */

    { "{\"Bool\": {\"aws:SecureTransport\": \"false\"}}",
      "{\"aws:SecureTransport\": \"false\"}", 1, "Bool: false is false" },
    { "{\"Bool\": {\"aws:SecureTransport\": \"false\"}}",
      "{\"aws:SecureTransport\": \"true\"}", 0, "Bool: true is not false" },
    { "{\"Bool\": {\"aws:SecureTransport\": \"false\"}}",
      ABSENT, 0, "Bool: absent key" },
    { "{\"Bool\": {\"aws:SecureTransport\": true}}",
      "{\"aws:SecureTransport\": \"TRUE\"}", 1,
      "Bool: a JSON true, request TRUE" },
    { "{\"Bool\": {\"aws:SecureTransport\": \"True\"}}",
      "{\"aws:SecureTransport\": \"true\"}", 1, "Bool: policy \"True\"" },
    { "{\"Bool\": {\"aws:SecureTransport\": true}}",
      "{\"aws:SecureTransport\": \"yes\"}", 0, "Bool: \"yes\" is no boolean" },
    { "{\"BoolIfExists\": {\"aws:MultiFactorAuthPresent\": \"true\"}}",
      ABSENT, 1, "BoolIfExists: absent key" },
    { "{\"BoolIfExists\": {\"aws:MultiFactorAuthPresent\": \"true\"}}",
      "{\"aws:MultiFactorAuthPresent\": \"false\"}", 0,
      "BoolIfExists: present and false" },

    { "{\"BinaryEquals\": {\"app:key\": \"QmluYXJ5\"}}",
      "{\"app:key\": \"QmluYXJ5\"}", 1, "BinaryEquals: the same bytes" },
    { "{\"BinaryEquals\": {\"app:key\": \"QmluYXJ5\"}}",
      "{\"app:key\": \"QmluYXJz\"}", 0, "BinaryEquals: other bytes" },
    { "{\"BinaryEquals\": {\"app:key\": \"YQ==\"}}",
      "{\"app:key\": \"YR==\"}", 1,
      "BinaryEquals: compares decoded bytes, not the text" },
    { "{\"BinaryEquals\": {\"app:key\": \"YQ==\"}}",
      "{\"app:key\": \"YWE=\"}", 0, "BinaryEquals: a different length" },
    { "{\"BinaryEquals\": {\"app:key\": \"YQ==\"}}",
      "{\"app:key\": \"YQ\"}", 0, "BinaryEquals: unpadded is not base64" },
    { "{\"BinaryEquals\": {\"app:key\": \"YQ==\"}}",
      "{\"app:key\": \"Y=Q=\"}", 0, "BinaryEquals: '=' inside" },
    { "{\"BinaryEquals\": {\"app:key\": \"YQ==\"}}",
      ABSENT, 0, "BinaryEquals: absent key" },

    /* IpAddress, NotIpAddress */

    { "{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}",
      "{\"aws:SourceIp\": \"203.0.113.5\"}", 1, "IpAddress: in the /24" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}",
      "{\"aws:SourceIp\": \"203.0.114.5\"}", 0, "IpAddress: outside" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}",
      ABSENT, 0, "IpAddress: absent key" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}",
      "{\"aws:SourceIp\": \"::ffff:203.0.113.5\"}", 1,
      "IpAddress: an IPv4-mapped IPv6 address" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}",
      "{\"aws:SourceIp\": \"not-an-ip\"}", 0, "IpAddress: not an address" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/24\"}}",
      "{\"aws:SourceIp\": \"203.0.113.5/32\"}", 0,
      "IpAddress: a request CIDR is not an address" },
    { "{\"IpAddress\": {\"aws:SourceIp\": [\"203.0.113.0/24\", "
      "\"2001:DB8:1234:5678::/64\"]}}",
      "{\"aws:SourceIp\": \"2001:db8:1234:5678::1\"}", 1,
      "IpAddress: IPv6 in the /64" },
    { "{\"IpAddress\": {\"aws:SourceIp\": [\"203.0.113.0/24\", "
      "\"2001:DB8:1234:5678::/64\"]}}",
      "{\"aws:SourceIp\": \"2001:db8:1234:5679::1\"}", 0,
      "IpAddress: IPv6 outside" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.1\"}}",
      "{\"aws:SourceIp\": \"10.0.0.1\"}", 1, "IpAddress: a bare address" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.1\"}}",
      "{\"aws:SourceIp\": \"10.0.0.2\"}", 0,
      "IpAddress: a bare address is /32" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/20\"}}",
      "{\"aws:SourceIp\": \"10.0.15.255\"}", 1, "IpAddress: /20, last" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/20\"}}",
      "{\"aws:SourceIp\": \"10.0.16.0\"}", 0, "IpAddress: /20, next" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.9.9.9/8\"}}",
      "{\"aws:SourceIp\": \"10.1.2.3\"}", 1,
      "IpAddress: host bits in the CIDR are ignored" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"0.0.0.0/0\"}}",
      "{\"aws:SourceIp\": \"1.2.3.4\"}", 1, "IpAddress: 0.0.0.0/0" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"0.0.0.0/0\"}}",
      "{\"aws:SourceIp\": \"::1\"}", 0, "IpAddress: 0.0.0.0/0 is IPv4 only" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"::/0\"}}",
      "{\"aws:SourceIp\": \"::1\"}", 1, "IpAddress: ::/0" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"::/0\"}}",
      "{\"aws:SourceIp\": \"1.2.3.4\"}", 0, "IpAddress: ::/0 is IPv6 only" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"::ffff:10.0.0.0/104\"}}",
      "{\"aws:SourceIp\": \"10.1.2.3\"}", 1,
      "IpAddress: an IPv4-mapped CIDR is IPv4" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"2001:db8::/32\"}}",
      "{\"aws:SourceIp\": \"10.0.0.1\"}", 0,
      "IpAddress: IPv4 never matches an IPv6 CIDR" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": [\"1.1.1.1\", \"10.0.0.1\"]}", 1,
      "IpAddress: any request value" },
    { "{\"NotIpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": \"192.168.1.1\"}", 1, "NotIpAddress: outside" },
    { "{\"NotIpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": \"10.1.2.3\"}", 0, "NotIpAddress: inside" },
    { "{\"NotIpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      ABSENT, 1, "NotIpAddress: absent key" },
    { "{\"NotIpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": \"bogus\"}", 1,
      "NotIpAddress: not an address is in no range" },
    { "{\"NotIpAddress\": {\"aws:SourceIp\": [\"10.0.0.0/8\", "
      "\"192.168.0.0/16\"]}}",
      "{\"aws:SourceIp\": \"192.168.1.1\"}", 0,
      "NotIpAddress: in one of the ranges" },

    /* Arn operators */

    { "{\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::123456789012:role/AdminRole\"}", 1,
      "ArnLike: a role" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::123456789012:user/User\"}", 0,
      "ArnLike: a user is not a role" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      ABSENT, 0, "ArnLike: absent key" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"role/AdminRole\"}", 0,
      "ArnLike: not an ARN" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::1:2:role/x\"}", 0,
      "ArnLike: '*' does not cross a segment" },
    { "{\"ArnLike\": {\"aws:SourceArn\": [\"arn:aws:iam::*:role/*\", "
      "\"arn:aws:ec2:*:*:instance/i-?????\"]}}",
      "{\"aws:SourceArn\": "
      "\"arn:aws:ec2:us-east-1:123456789012:instance/i-12345\"}", 1,
      "ArnLike: instance/i-?????" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"arn:aws:s3:::*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:s3:::b/k:x\"}", 1,
      "ArnLike: a resource holding ':'" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"*\"}}",
      "{\"aws:SourceArn\": \"anything\"}", 1, "ArnLike: '*'" },
    { "{\"ArnLike\": {\"aws:SourceArn\": "
      "\"arn:aws:iam::${aws:PrincipalAccount}:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::111122223333:role/r\", "
      "\"aws:PrincipalAccount\": \"111122223333\"}", 1,
      "ArnLike: a variable in the account" },
    { "{\"ArnLike\": {\"aws:SourceArn\": "
      "\"arn:aws:iam::${aws:PrincipalAccount}:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::444455556666:role/r\", "
      "\"aws:PrincipalAccount\": \"111122223333\"}", 0,
      "ArnLike: a variable in the account, another account" },
    { "{\"ArnEquals\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::123456789012:role/AdminRole\"}", 1,
      "ArnEquals: wildcards as in ArnLike (as AWS does)" },
    { "{\"ArnEquals\": {\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}}",
      "{\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}", 1, "ArnEquals: equal" },
    { "{\"ArnEquals\": {\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}}",
      "{\"aws:SourceArn\": \"arn:aws:s3:::Bucket\"}", 0,
      "ArnEquals: case-sensitive" },
    { "{\"ArnNotEquals\": {\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}}",
      "{\"aws:SourceArn\": \"arn:aws:s3:::other\"}", 1,
      "ArnNotEquals: different" },
    { "{\"ArnNotEquals\": {\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}}",
      "{\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}", 0,
      "ArnNotEquals: equal" },
    { "{\"ArnNotEquals\": {\"aws:SourceArn\": \"arn:aws:s3:::bucket\"}}",
      ABSENT, 1, "ArnNotEquals: absent key" },
    { "{\"ArnNotLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::123456789012:user/User\"}", 1,
      "ArnNotLike: not like" },
    { "{\"ArnNotLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"arn:aws:iam::123456789012:role/R\"}", 0,
      "ArnNotLike: like" },
    { "{\"ArnNotLike\": {\"aws:SourceArn\": \"arn:aws:iam::*:role/*\"}}",
      "{\"aws:SourceArn\": \"not-an-arn\"}", 1,
      "ArnNotLike: not an ARN is like nothing" },

    /* Null */

    { "{\"Null\": {\"aws:TokenIssueTime\": \"true\"}}",
      ABSENT, 1, "Null true: absent" },
    { "{\"Null\": {\"aws:TokenIssueTime\": \"true\"}}",
      "{\"aws:TokenIssueTime\": \"2020-01-01T00:00:00Z\"}", 0,
      "Null true: present" },
    { "{\"Null\": {\"aws:TokenIssueTime\": \"true\"}}",
      "{\"aws:TokenIssueTime\": []}", 1,
      "Null true: a key with no values is absent" },
    { "{\"Null\": {\"aws:TokenIssueTime\": false}}",
      "{\"aws:TokenIssueTime\": \"2020-01-01T00:00:00Z\"}", 1,
      "Null false: present" },
    { "{\"Null\": {\"aws:TokenIssueTime\": false}}",
      ABSENT, 0, "Null false: absent" },
    { "{\"Null\": {\"aws:TokenIssueTime\": \"TRUE\"}}",
      ABSENT, 1, "Null: \"TRUE\"" },
    { "{\"Null\": {\"aws:TokenIssueTime\": [true, false]}}",
      ABSENT, 1, "Null: true or false always holds" },

    /* ...IfExists */

    { "{\"StringEqualsIfExists\": {\"ec2:InstanceType\": "
      "[\"t2.micro\", \"t2.small\"]}}",
      ABSENT, 1, "StringEqualsIfExists: absent" },
    { "{\"StringEqualsIfExists\": {\"ec2:InstanceType\": "
      "[\"t2.micro\", \"t2.small\"]}}",
      "{\"ec2:InstanceType\": \"t2.small\"}", 1,
      "StringEqualsIfExists: present, one of the values" },
    { "{\"StringEqualsIfExists\": {\"ec2:InstanceType\": "
      "[\"t2.micro\", \"t2.small\"]}}",
      "{\"ec2:InstanceType\": \"m5.large\"}", 0,
      "StringEqualsIfExists: present, none of the values" },
    { "{\"StringNotEqualsIfExists\": {\"ec2:InstanceType\": \"t2.micro\"}}",
      ABSENT, 1, "StringNotEqualsIfExists: absent" },
    { "{\"StringNotEqualsIfExists\": {\"ec2:InstanceType\": \"t2.micro\"}}",
      "{\"ec2:InstanceType\": \"t2.micro\"}", 0,
      "StringNotEqualsIfExists: present and equal" },
    { "{\"NumericLessThanIfExists\": {\"s3:max-keys\": 10}}",
      ABSENT, 1, "NumericLessThanIfExists: absent" },
    { "{\"NumericLessThanIfExists\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": \"11\"}", 0, "NumericLessThanIfExists: present" },
    { "{\"DateLessThanIfExists\": {\"aws:TokenIssueTime\": \"2020-01-01\"}}",
      ABSENT, 1, "DateLessThanIfExists: absent" },
    { "{\"IpAddressIfExists\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      ABSENT, 1, "IpAddressIfExists: absent" },
    { "{\"NotIpAddressIfExists\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": \"10.0.0.1\"}", 0,
      "NotIpAddressIfExists: present and inside" },
    { "{\"ArnLikeIfExists\": {\"aws:SourceArn\": \"arn:aws:s3:::b\"}}",
      ABSENT, 1, "ArnLikeIfExists: absent" },
    { "{\"BinaryEqualsIfExists\": {\"app:key\": \"YQ==\"}}",
      ABSENT, 1, "BinaryEqualsIfExists: absent" },
    { "{\"stringequalsifexists\": {\"ec2:InstanceType\": \"t2.micro\"}}",
      ABSENT, 1, "operator names are case-insensitive" },

    /* ForAllValues: every request value; true when there are none */

    { "{\"ForAllValues:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": [\"environment\"]}", 1,
      "ForAllValues:StringEquals: a subset" },
    { "{\"ForAllValues:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": [\"environment\", \"cost-center\"]}", 1,
      "ForAllValues:StringEquals: all of them" },
    { "{\"ForAllValues:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": [\"environment\", \"owner\"]}", 0,
      "ForAllValues:StringEquals: one outside the set" },
    { "{\"ForAllValues:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      ABSENT, 1, "ForAllValues:StringEquals: absent key is true" },
    { "{\"ForAllValues:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": []}", 1,
      "ForAllValues:StringEquals: no values is true" },
    { "{\"ForAllValues:StringNotEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}}",
      "{\"aws:TagKeys\": [\"c\", \"d\"]}", 1,
      "ForAllValues:StringNotEquals: none is listed" },
    { "{\"ForAllValues:StringNotEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}}",
      "{\"aws:TagKeys\": [\"a\", \"c\"]}", 0,
      "ForAllValues:StringNotEquals: one is listed" },
    { "{\"ForAllValues:StringNotEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}}",
      ABSENT, 1, "ForAllValues:StringNotEquals: absent key" },
    { "{\"ForAllValues:StringLike\": {\"s3:prefix\": \"home/*\"}}",
      "{\"s3:prefix\": [\"home/a\", \"home/b\"]}", 1,
      "ForAllValues:StringLike: all like" },
    { "{\"ForAllValues:StringLike\": {\"s3:prefix\": \"home/*\"}}",
      "{\"s3:prefix\": [\"home/a\", \"tmp/b\"]}", 0,
      "ForAllValues:StringLike: one not like" },
    { "{\"ForAllValues:IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": [\"10.1.1.1\", \"10.2.2.2\"]}", 1,
      "ForAllValues:IpAddress: all inside" },
    { "{\"ForAllValues:IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
      "{\"aws:SourceIp\": [\"10.1.1.1\", \"11.0.0.1\"]}", 0,
      "ForAllValues:IpAddress: one outside" },
    { "{\"forallvalues:stringequals\": {\"aws:TagKeys\": \"a\"}}",
      "{\"aws:TagKeys\": [\"a\", \"a\"]}", 1,
      "forallvalues: is case-insensitive" },

    /* ForAnyValue: some request value; false when there are none */

    { "{\"ForAnyValue:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": [\"owner\", \"environment\"]}", 1,
      "ForAnyValue:StringEquals: one in the set" },
    { "{\"ForAnyValue:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": [\"owner\"]}", 0,
      "ForAnyValue:StringEquals: none in the set" },
    { "{\"ForAnyValue:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      ABSENT, 0, "ForAnyValue:StringEquals: absent key is false" },
    { "{\"ForAnyValue:StringEquals\": {\"aws:TagKeys\": "
      "[\"environment\", \"cost-center\"]}}",
      "{\"aws:TagKeys\": []}", 0,
      "ForAnyValue:StringEquals: no values is false" },
    { "{\"ForAnyValue:StringNotEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}}",
      "{\"aws:TagKeys\": [\"a\", \"c\"]}", 1,
      "ForAnyValue:StringNotEquals: one is not listed" },
    { "{\"ForAnyValue:StringNotEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}}",
      "{\"aws:TagKeys\": [\"a\", \"b\"]}", 0,
      "ForAnyValue:StringNotEquals: all are listed" },
    { "{\"ForAnyValue:StringNotEquals\": {\"aws:TagKeys\": [\"a\", \"b\"]}}",
      ABSENT, 0, "ForAnyValue:StringNotEquals: absent key is false" },
    { "{\"ForAnyValue:StringEqualsIfExists\": {\"aws:TagKeys\": \"a\"}}",
      ABSENT, 1, "ForAnyValue:StringEqualsIfExists: absent key is true" },
    { "{\"ForAnyValue:StringLike\": {\"aws:TagKeys\": \"team*\"}}",
      "{\"aws:TagKeys\": [\"owner\", \"team-x\"]}", 1,
      "ForAnyValue:StringLike" },
    { "{\"ForAnyValue:NumericLessThan\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": [\"20\", \"5\"]}", 1,
      "ForAnyValue:NumericLessThan: one less" },
    { "{\"ForAnyValue:NumericLessThan\": {\"s3:max-keys\": 10}}",
      "{\"s3:max-keys\": [\"20\", \"30\"]}", 0,
      "ForAnyValue:NumericLessThan: none less" },

    /* a plain operator over a multi-valued key */

    { "{\"StringEquals\": {\"aws:TagKeys\": \"a\"}}",
      "{\"aws:TagKeys\": [\"b\", \"a\"]}", 1,
      "StringEquals over several request values: any" },
    { "{\"StringNotEquals\": {\"aws:TagKeys\": \"a\"}}",
      "{\"aws:TagKeys\": [\"b\", \"a\"]}", 0,
      "StringNotEquals over several request values: none may match" },
};


static const cond_invalid_t  invalid[] = {

    { "[]", "Condition: Condition must be an object of operators" },
    { "{\"StringLik\": {\"aws:username\": \"a\"}}",
      "Condition.StringLik: unknown condition operator \"StringLik\"" },
    { "{\"ForAnyValue:StringLik\": {\"aws:username\": \"a\"}}",
      "Condition.ForAnyValue:StringLik: unknown condition operator "
      "\"ForAnyValue:StringLik\"" },
    { "{\"ForSomeValues:StringEquals\": {\"aws:username\": \"a\"}}",
      "Condition.ForSomeValues:StringEquals: unknown condition operator "
      "\"ForSomeValues:StringEquals\"" },
    { "{\"NullIfExists\": {\"aws:username\": true}}",
      "Condition.NullIfExists: unknown condition operator "
      "\"NullIfExists\"" },
    { "{\"IfExists\": {\"aws:username\": \"a\"}}",
      "Condition.IfExists: unknown condition operator \"IfExists\"" },
    { "{\"StringEquals\": \"alice\"}",
      "Condition.StringEquals: StringEquals must be a non-empty object of "
      "condition keys and values" },
    { "{\"StringEquals\": {}}",
      "Condition.StringEquals: StringEquals must be a non-empty object of "
      "condition keys and values" },
    { "{\"StringEquals\": {\"username\": \"alice\"}}",
      "Condition.StringEquals.username: condition key \"username\" has no "
      "service prefix (such as \"aws:\")" },
    { "{\"StringEquals\": {\":username\": \"alice\"}}",
      "Condition.StringEquals.:username: condition key \":username\" has no "
      "service prefix (such as \"aws:\")" },
    { "{\"StringEquals\": {\"aws:username\": []}}",
      "Condition.StringEquals.aws:username: a condition needs at least one "
      "value" },
    { "{\"StringEquals\": {\"aws:username\": [\"a\", {}]}}",
      "Condition.StringEquals.aws:username[1]: a condition value must be a "
      "string, a number or a boolean" },
    { "{\"StringEquals\": {\"aws:username\": null}}",
      "Condition.StringEquals.aws:username: a condition value must be a "
      "string, a number or a boolean" },
    { "{\"StringEquals\": {\"aws:username\": [[\"a\"]]}}",
      "Condition.StringEquals.aws:username[0]: a condition value must be a "
      "string, a number or a boolean" },
    { "{\"StringEquals\": {\"aws:username\": \"a\\u0000b\"}}",
      "Condition.StringEquals.aws:username: a condition value must not "
      "contain a NUL character" },
    { "{\"StringLike\": {\"s3:prefix\": \"home/${aws:username\"}}",
      "Condition.StringLike.s3:prefix: unterminated policy variable "
      "\"${aws:username\"" },
    { "{\"StringLike\": {\"s3:prefix\": \"home/${aws:username\"}}",
      NULL, 2008 },
    { "{\"StringEquals\": {\"s3:prefix\": \"${}\"}}",
      "Condition.StringEquals.s3:prefix: empty policy variable \"${}\"" },
    { "{\"NumericEquals\": {\"s3:max-keys\": \"abc\"}}",
      "Condition.NumericEquals.s3:max-keys: \"abc\" is not a number for "
      "NumericEquals" },
    { "{\"ForAnyValue:NumericLessThanIfExists\": {\"s3:max-keys\": \"1e\"}}",
      "Condition.ForAnyValue:NumericLessThanIfExists.s3:max-keys: \"1e\" is "
      "not a number for NumericLessThan" },
    { "{\"NumericEquals\": {\"s3:max-keys\": \"10 \"}}",
      "Condition.NumericEquals.s3:max-keys: \"10 \" is not a number for "
      "NumericEquals" },
    { "{\"NumericEquals\": {\"s3:max-keys\": \"0x10\"}}",
      "Condition.NumericEquals.s3:max-keys: \"0x10\" is not a number for "
      "NumericEquals" },
    { "{\"NumericEquals\": {\"s3:max-keys\": \"\"}}",
      "Condition.NumericEquals.s3:max-keys: \"\" is not a number for "
      "NumericEquals" },
    { "{\"NumericEquals\": {\"s3:max-keys\": true}}",
      "Condition.NumericEquals.s3:max-keys: \"true\" is not a number for "
      "NumericEquals" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"yesterday\"}}",
      "Condition.DateLessThan.aws:CurrentTime: \"yesterday\" is not a date "
      "for DateLessThan (ISO 8601, such as 2026-01-31T12:00:00Z, or epoch "
      "seconds)" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2023-02-29\"}}",
      "Condition.DateLessThan.aws:CurrentTime: \"2023-02-29\" is not a date "
      "for DateLessThan (ISO 8601, such as 2026-01-31T12:00:00Z, or epoch "
      "seconds)" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": \"2020-01-01T24:00:00Z\"}}",
      "Condition.DateLessThan.aws:CurrentTime: \"2020-01-01T24:00:00Z\" is "
      "not a date for DateLessThan (ISO 8601, such as 2026-01-31T12:00:00Z, "
      "or epoch seconds)" },
    { "{\"DateLessThan\": {\"aws:CurrentTime\": "
      "\"2020-01-01T00:00:00+25:00\"}}",
      "Condition.DateLessThan.aws:CurrentTime: \"2020-01-01T00:00:00+25:00\" "
      "is not a date for DateLessThan (ISO 8601, such as "
      "2026-01-31T12:00:00Z, or epoch seconds)" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-01-01T00:00:00 Z\"}}",
      "Condition.DateEquals.aws:CurrentTime: \"2020-01-01T00:00:00 Z\" is "
      "not a date for DateEquals (ISO 8601, such as 2026-01-31T12:00:00Z, or "
      "epoch seconds)" },
    { "{\"DateEquals\": {\"aws:CurrentTime\": \"2020-13-01\"}}",
      "Condition.DateEquals.aws:CurrentTime: \"2020-13-01\" is not a date "
      "for DateEquals (ISO 8601, such as 2026-01-31T12:00:00Z, or epoch "
      "seconds)" },
    { "{\"Bool\": {\"aws:SecureTransport\": \"yes\"}}",
      "Condition.Bool.aws:SecureTransport: Bool takes true or false, not "
      "\"yes\"" },
    { "{\"Null\": {\"aws:TokenIssueTime\": 1}}",
      "Condition.Null.aws:TokenIssueTime: Null takes true or false, not "
      "\"1\"" },
    { "{\"Null\": {\"aws:TokenIssueTime\": \"\"}}",
      "Condition.Null.aws:TokenIssueTime: Null takes true or false, not "
      "\"\"" },
    { "{\"BinaryEquals\": {\"app:key\": \"!!!!\"}}",
      "Condition.BinaryEquals.app:key: \"!!!!\" is not base64 for "
      "BinaryEquals" },
    { "{\"BinaryEquals\": {\"app:key\": \"Y=Q=\"}}",
      "Condition.BinaryEquals.app:key: \"Y=Q=\" is not base64 for "
      "BinaryEquals" },
    { "{\"BinaryEquals\": {\"app:key\": \"Y===\"}}",
      "Condition.BinaryEquals.app:key: \"Y===\" is not base64 for "
      "BinaryEquals" },
    { "{\"BinaryEquals\": {\"app:key\": \"YQ\"}}",
      "Condition.BinaryEquals.app:key: \"YQ\" is not base64 for "
      "BinaryEquals" },
    { "{\"BinaryEquals\": {\"app:key\": \" YQ=\"}}",
      "Condition.BinaryEquals.app:key: \" YQ=\" is not base64 for "
      "BinaryEquals" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/33\"}}",
      "Condition.IpAddress.aws:SourceIp: \"10.0.0.0/33\" is not an IP "
      "address or CIDR block for IpAddress" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"300.1.1.1\"}}",
      "Condition.IpAddress.aws:SourceIp: \"300.1.1.1\" is not an IP address "
      "or CIDR block for IpAddress" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/\"}}",
      "Condition.IpAddress.aws:SourceIp: \"10.0.0.0/\" is not an IP address "
      "or CIDR block for IpAddress" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8/8\"}}",
      "Condition.IpAddress.aws:SourceIp: \"10.0.0.0/8/8\" is not an IP "
      "address or CIDR block for IpAddress" },
    { "{\"NotIpAddress\": {\"aws:SourceIp\": \"::1/129\"}}",
      "Condition.NotIpAddress.aws:SourceIp: \"::1/129\" is not an IP "
      "address or CIDR block for NotIpAddress" },
    { "{\"IpAddress\": {\"aws:SourceIp\": \"10.0.0\"}}",
      "Condition.IpAddress.aws:SourceIp: \"10.0.0\" is not an IP address or "
      "CIDR block for IpAddress" },
    { "{\"ArnLike\": {\"aws:SourceArn\": \"bucket\"}}",
      "Condition.ArnLike.aws:SourceArn: malformed ARN \"bucket\": must be "
      "\"*\" or arn:partition:service:region:account:resource" },
    { "{\"ArnEquals\": {\"aws:SourceArn\": [\"arn:aws:s3:::b\", "
      "\"arn:aws:s3\"]}}",
      "Condition.ArnEquals.aws:SourceArn[1]: malformed ARN \"arn:aws:s3\": "
      "must be \"*\" or arn:partition:service:region:account:resource" },
};


static int
compile(const char *cond, unsigned version, iam_condition_t **conds,
    size_t *n)
{
    int               rc;
    json_t           *doc;
    json_error_t      error;
    iam_json_path_t   path;

    iam_diags_free(&diags);

    doc = json_loads(cond, JSON_ALLOW_NUL, &error);
    if (doc == NULL) {
        printf("# bad test JSON %s: %s\n", cond, error.text);
        return IAM_ERROR;
    }

    path.nelts = 0;
    iam_json_path_push_key(&path, "Condition");

    rc = iam_conditions_compile(pool, doc, version ? version : 2012, NULL,
                                &path, &diags, conds, n);

    json_decref(doc);

    if (path.nelts != 1) {
        printf("# the compiler left %u path elements\n", path.nelts);
        return IAM_ERROR;
    }

    return rc;
}


/* {"key": "value" or ["v1", "v2"]} into ctx; the JSON must outlive ctx */
static json_t *
load_context(const char *text)
{
    size_t         i, n, start;
    json_t        *doc, *v, *x;
    iam_str_t      k;
    const char    *key;
    json_error_t   error;

    iam_context_init(&ctx, entries, sizeof(entries) / sizeof(entries[0]));

    doc = json_loads(text, 0, &error);
    if (doc == NULL) {
        printf("# bad context JSON %s: %s\n", text, error.text);
        return NULL;
    }

    n = 0;

    json_object_foreach(doc, key, v) {
        start = n;

        if (json_is_array(v)) {
            json_array_foreach(v, i, x) {
                vals[n].data = json_string_value(x);
                vals[n++].len = json_string_length(x);
            }

        } else {
            vals[n].data = json_string_value(v);
            vals[n++].len = json_string_length(v);
        }

        k.data = key;
        k.len = strlen(key);
        iam_context_set(&ctx, k, &vals[start], n - start);
    }

    return doc;
}


/* 1 or 0, -1 when the block does not compile */
static int
eval(const char *cond, const char *context, unsigned version)
{
    int               rc;
    size_t            n;
    json_t           *doc;
    iam_condition_t  *conds;

    if (compile(cond, version, &conds, &n) != IAM_OK) {
        if (diags.nitems) {
            printf("# %s\n", diags.items[0].message);
        }
        return -1;
    }

    doc = load_context(context);
    if (doc == NULL) {
        return -2;
    }

    rc = iam_conditions_match(conds, n, &ctx, NULL);

    json_decref(doc);

    return rc;
}


static void
test_cases(void)
{
    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(eval(cases[i].cond, cases[i].context, cases[i].version),
               cases[i].want, "%s", cases[i].name);
    }
}


static void
test_invalid(void)
{
    int               rc;
    size_t            i, n;
    iam_condition_t  *conds;

    for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        rc = compile(invalid[i].cond, invalid[i].version, &conds, &n);

        if (invalid[i].message == NULL) {
            ok(rc == IAM_OK && diags.nitems == 0, "valid in %u: %s",
               invalid[i].version, invalid[i].cond);
            continue;
        }

        ok(rc == IAM_ERROR && conds == NULL && n == 0,
           "rejected: %s", invalid[i].cond);
        is_str(diags.nitems ? diags.items[0].message : NULL,
               invalid[i].message, "message: %s", invalid[i].cond);
    }

    /* every problem is reported, not only the first */
    rc = compile("{\"StringLik\": {\"aws:username\": \"a\"}, "
                 "\"NumericEquals\": {\"s3:max-keys\": [\"1\", \"x\"]}, "
                 "\"Bool\": {\"nokey\": true}}", 0, &conds, &n);
    ok(rc == IAM_ERROR, "three problems: rejected");
    is_int(diags.nitems, 3, "three problems: three diagnostics");
    is_str(diags.nitems == 3 ? diags.items[1].message : NULL,
           "Condition.NumericEquals.s3:max-keys[1]: \"x\" is not a number "
           "for NumericEquals", "three problems: the second");
    is_str(diags.nitems == 3 ? diags.items[2].message : NULL,
           "Condition.Bool.nokey: condition key \"nokey\" has no service "
           "prefix (such as \"aws:\")", "three problems: the third");
}


static void
test_too_many_values(void)
{
    int               rc;
    size_t            i, n;
    json_t           *doc, *values;
    iam_condition_t  *conds;
    iam_json_path_t   path;

    values = json_array();
    for (i = 0; i < 10001; i++) {
        json_array_append_new(values, json_string("x"));
    }

    doc = json_pack("{s:{s:o}}", "StringEquals", "aws:username", values);

    iam_diags_free(&diags);
    path.nelts = 0;

    rc = iam_conditions_compile(pool, doc, 2012, NULL, &path, &diags, &conds,
                                &n);
    ok(rc == IAM_ERROR, "10001 values: rejected");
    is_str(diags.nitems ? diags.items[0].message : NULL,
           "StringEquals.aws:username: too many values (at most 10000)",
           "10001 values: the message");

    json_array_remove(values, 0);
    iam_diags_free(&diags);

    rc = iam_conditions_compile(pool, doc, 2012, NULL, &path, &diags, &conds,
                                &n);
    ok(rc == IAM_OK && n == 1 && conds[0].nvalues == 10000,
       "10000 values: accepted");

    json_decref(doc);
}


static void
test_compiled(void)
{
    int               rc;
    size_t            n;
    iam_condition_t  *c;

    rc = compile("{\"ForAnyValue:stringEqualsIfExists\": "
                 "{\"aws:TagKeys\": [\"a\", \"b\"]}, "
                 "\"NotIpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}, "
                 "\"NumericLessThan\": {\"s3:max-keys\": \"1.5\"}, "
                 "\"DateEquals\": {\"aws:CurrentTime\": "
                 "\"2020-01-01T00:00:00Z\"}, "
                 "\"BinaryEquals\": {\"app:key\": \"QmluYXJ5\"}, "
                 "\"Bool\": {\"aws:SecureTransport\": false, "
                 "\"aws:ViaAWSService\": \"TRUE\"}, "
                 "\"IpAddress\": {\"aws:SourceIp\": \"2001:db8::/32\"}}",
                 0, &c, &n);

    ok(rc == IAM_OK, "compiled: a block of every kind");
    is_int(n, 8, "compiled: one condition per (operator, key)");

    if (rc != IAM_OK || n != 8) {
        return;
    }

    ok(c[0].op == IAM_COND_STRING_EQUALS && c[0].set == IAM_SET_FOR_ANY_VALUE
       && c[0].if_exists && !c[0].negated,
       "compiled: ForAnyValue:stringEqualsIfExists");
    ok(iam_str_eq_cstr(c[0].op_name, "ForAnyValue:stringEqualsIfExists"),
       "compiled: the operator as written");
    ok(iam_str_eq_cstr(c[0].key, "aws:TagKeys")
       && c[0].key_hash == iam_hash_icase("aws:tagkeys", 11),
       "compiled: the key as written, its case-insensitive hash");
    ok(c[0].nvalues == 2
       && iam_str_eq_cstr(c[0].values[1].pattern.text, "b"),
       "compiled: the values");
    ok(c[1].op == IAM_COND_NOT_IP_ADDRESS && c[1].negated
       && c[1].set == IAM_SET_NONE && !c[1].if_exists,
       "compiled: NotIpAddress is negated");
    ok(c[1].values[0].family == 4 && c[1].values[0].prefix == 8
       && c[1].values[0].addr[0] == 10,
       "compiled: an IPv4 CIDR");
    ok(c[2].op == IAM_COND_NUMERIC_LESS_THAN && c[2].values[0].number == 1.5L,
       "compiled: a number");
    ok(c[3].op == IAM_COND_DATE_EQUALS && c[3].values[0].time == 1577836800,
       "compiled: a date as epoch seconds");
    ok(c[4].values[0].bytes.len == 6
       && memcmp(c[4].values[0].bytes.data, "Binary", 6) == 0,
       "compiled: base64 decoded");
    ok(c[5].op == IAM_COND_BOOL && c[5].values[0].boolean == 0
       && c[6].values[0].boolean == 1,
       "compiled: two keys under Bool, false and TRUE");
    ok(c[7].values[0].family == 6 && c[7].values[0].prefix == 32
       && c[7].values[0].addr[0] == 0x20 && c[7].values[0].addr[1] == 0x01,
       "compiled: an IPv6 CIDR");

    rc = compile("{}", 0, &c, &n);
    ok(rc == IAM_OK && n == 0, "compiled: an empty block");
}


static void
test_operator_names(void)
{
    size_t            i, n;
    iam_condition_t  *c;
    char              buf[128];

    static const struct {
        const char     *name;
        iam_cond_op_e   op;
        unsigned        negated;
        const char     *value;
    } ops[] = {
        { "StringEquals", IAM_COND_STRING_EQUALS, 0, "\"a\"" },
        { "StringNotEquals", IAM_COND_STRING_NOT_EQUALS, 1, "\"a\"" },
        { "StringEqualsIgnoreCase", IAM_COND_STRING_EQUALS_IGNORE_CASE, 0,
          "\"a\"" },
        { "StringNotEqualsIgnoreCase", IAM_COND_STRING_NOT_EQUALS_IGNORE_CASE,
          1, "\"a\"" },
        { "StringLike", IAM_COND_STRING_LIKE, 0, "\"a\"" },
        { "StringNotLike", IAM_COND_STRING_NOT_LIKE, 1, "\"a\"" },
        { "NumericEquals", IAM_COND_NUMERIC_EQUALS, 0, "1" },
        { "NumericNotEquals", IAM_COND_NUMERIC_NOT_EQUALS, 1, "1" },
        { "NumericLessThan", IAM_COND_NUMERIC_LESS_THAN, 0, "1" },
        { "NumericLessThanEquals", IAM_COND_NUMERIC_LESS_THAN_EQUALS, 0,
          "1" },
        { "NumericGreaterThan", IAM_COND_NUMERIC_GREATER_THAN, 0, "1" },
        { "NumericGreaterThanEquals", IAM_COND_NUMERIC_GREATER_THAN_EQUALS, 0,
          "1" },
        { "DateEquals", IAM_COND_DATE_EQUALS, 0, "1" },
        { "DateNotEquals", IAM_COND_DATE_NOT_EQUALS, 1, "1" },
        { "DateLessThan", IAM_COND_DATE_LESS_THAN, 0, "1" },
        { "DateLessThanEquals", IAM_COND_DATE_LESS_THAN_EQUALS, 0, "1" },
        { "DateGreaterThan", IAM_COND_DATE_GREATER_THAN, 0, "1" },
        { "DateGreaterThanEquals", IAM_COND_DATE_GREATER_THAN_EQUALS, 0,
          "1" },
        { "Bool", IAM_COND_BOOL, 0, "true" },
        { "BinaryEquals", IAM_COND_BINARY_EQUALS, 0, "\"YQ==\"" },
        { "IpAddress", IAM_COND_IP_ADDRESS, 0, "\"10.0.0.1\"" },
        { "NotIpAddress", IAM_COND_NOT_IP_ADDRESS, 1, "\"10.0.0.1\"" },
        { "ArnEquals", IAM_COND_ARN_EQUALS, 0, "\"*\"" },
        { "ArnLike", IAM_COND_ARN_LIKE, 0, "\"*\"" },
        { "ArnNotEquals", IAM_COND_ARN_NOT_EQUALS, 1, "\"*\"" },
        { "ArnNotLike", IAM_COND_ARN_NOT_LIKE, 1, "\"*\"" },
        { "Null", IAM_COND_NULL, 0, "true" },
    };

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        snprintf(buf, sizeof(buf), "{\"%s\": {\"aws:k\": %s}}", ops[i].name,
                 ops[i].value);

        ok(compile(buf, 0, &c, &n) == IAM_OK && n == 1 && c[0].op == ops[i].op
           && c[0].negated == ops[i].negated && !c[0].if_exists,
           "operator %s", ops[i].name);
    }
}


static void
test_and(void)
{
    size_t            n, failed;
    json_t           *doc;
    iam_condition_t  *c;

    if (compile("{\"StringEquals\": {\"aws:username\": \"alice\"}, "
                "\"Bool\": {\"aws:SecureTransport\": \"true\"}, "
                "\"IpAddress\": {\"aws:SourceIp\": \"10.0.0.0/8\"}}",
                0, &c, &n)
        != IAM_OK || n != 3)
    {
        ok(0, "AND: compiles");
        return;
    }

    doc = load_context("{\"aws:username\": \"alice\", "
                       "\"aws:SecureTransport\": \"true\", "
                       "\"aws:SourceIp\": \"10.1.2.3\"}");
    failed = 99;
    ok(iam_conditions_match(c, n, &ctx, &failed) == 1 && failed == 99,
       "AND: all three hold");
    json_decref(doc);

    doc = load_context("{\"aws:username\": \"alice\", "
                       "\"aws:SecureTransport\": \"false\", "
                       "\"aws:SourceIp\": \"11.1.2.3\"}");
    ok(iam_conditions_match(c, n, &ctx, &failed) == 0 && failed == 1,
       "AND: the first that fails is reported");
    ok(iam_condition_match(&c[0], &ctx) == 1
       && iam_condition_match(&c[2], &ctx) == 0,
       "AND: each condition on its own");
    ok(iam_conditions_match(c, n, &ctx, NULL) == 0, "AND: failed may be NULL");
    json_decref(doc);

    ok(iam_conditions_match(c, 0, &ctx, NULL) == 1, "AND: no conditions hold");
    ok(iam_conditions_match(c, n, NULL, &failed) == 0 && failed == 0,
       "AND: a NULL context has no keys");
}


int
main(void)
{
    pool = iam_pool_create();
    iam_diags_init(&diags);

    test_cases();
    test_invalid();
    test_too_many_values();
    test_compiled();
    test_operator_names();
    test_and();

    iam_diags_free(&diags);
    iam_pool_destroy(pool);

    return tap_done();
}
