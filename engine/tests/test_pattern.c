/*
 * Wildcard patterns, policy variables and ARN patterns, with cases from
 * AWS's "IAM JSON policy elements: Resource" and "Policy variables".
 */

#include <sys/types.h>      /* iam_pattern.h's ssize_t */
#include <iam/iam_pattern.h>
#include "tap.h"


#define WC      IAM_PATTERN_WILDCARDS
#define VAR     IAM_PATTERN_VARIABLES
#define ICASE   IAM_PATTERN_ICASE


static iam_pool_t           *pool;
static iam_context_t         ctx;
static iam_context_entry_t   entries[16];
static char                  err[256];


static const iam_pattern_t *pat(const char *s, unsigned flags);
static int match(const char *p, unsigned flags, const char *s);
static int match_ctx(const char *p, unsigned flags, const char *s,
    const iam_context_t *c);
static const char *compile_error(const char *s, unsigned flags);
static int arn_match(const char *p, unsigned flags, const char *s);
static const char *arn_error(const char *s, unsigned flags);
static const char *expand(const char *p, unsigned flags, size_t size);
static void set(const char *key, const iam_str_t *values, size_t n);
static void setup_context(void);
static void test_literals(void);
static void test_wildcards(void);
static void test_utf8(void);
static void test_icase(void);
static void test_atoms(void);
static void test_variables(void);
static void test_expand(void);
static void test_errors(void);
static void test_arn(void);
static void test_arn_errors(void);


static const iam_pattern_t *
pat(const char *s, unsigned flags)
{
    iam_pattern_t  *p;

    p = iam_palloc(pool, sizeof(iam_pattern_t));

    if (iam_pattern_compile(pool, p, s, strlen(s), flags, err, sizeof(err))
        != IAM_OK)
    {
        printf("# compile \"%s\": %s\n", s, err);
        return NULL;
    }

    return p;
}


static int
match(const char *p, unsigned flags, const char *s)
{
    return match_ctx(p, flags, s, &ctx);
}


static int
match_ctx(const char *p, unsigned flags, const char *s,
    const iam_context_t *c)
{
    const iam_pattern_t  *pattern;

    pattern = pat(p, flags);
    if (pattern == NULL) {
        return -1;
    }

    return iam_pattern_match(pattern, s, strlen(s), c);
}


static const char *
compile_error(const char *s, unsigned flags)
{
    iam_pattern_t  p;

    err[0] = '\0';

    if (iam_pattern_compile(pool, &p, s, strlen(s), flags, err, sizeof(err))
        == IAM_OK)
    {
        return "(compiled)";
    }

    return err;
}


static int
arn_match(const char *p, unsigned flags, const char *s)
{
    iam_arn_pattern_t  ap;

    if (iam_arn_pattern_compile(pool, &ap, p, strlen(p), flags, err,
                                sizeof(err))
        != IAM_OK)
    {
        printf("# compile \"%s\": %s\n", p, err);
        return -1;
    }

    return iam_arn_pattern_match(&ap, s, strlen(s), &ctx);
}


static const char *
arn_error(const char *s, unsigned flags)
{
    iam_arn_pattern_t  ap;

    err[0] = '\0';

    if (iam_arn_pattern_compile(pool, &ap, s, strlen(s), flags, err,
                                sizeof(err))
        == IAM_OK)
    {
        return "(compiled)";
    }

    return err;
}


/* the expansion as a string, "(none)" for -1 */
static const char *
expand(const char *p, unsigned flags, size_t size)
{
    ssize_t               n;
    static char           buf[256];
    const iam_pattern_t  *pattern;

    pattern = pat(p, flags);
    if (pattern == NULL || size > sizeof(buf) - 1) {
        return "(error)";
    }

    n = iam_pattern_expand(pattern, &ctx, buf, size);
    if (n < 0) {
        return "(none)";
    }

    buf[n] = '\0';

    return buf;
}


static void
set(const char *key, const iam_str_t *values, size_t n)
{
    iam_str_t  k;

    k.data = key;
    k.len = strlen(key);

    if (iam_context_set(&ctx, k, values, n) != IAM_OK) {
        printf("# context full\n");
    }
}


static void
setup_context(void)
{
    static const iam_str_t  alice[] = { iam_string("alice") };
    static const iam_str_t  team[] = { iam_string("storage") };
    static const iam_str_t  star[] = { iam_string("*") };
    static const iam_str_t  account[] = { iam_string("123456789012") };
    static const iam_str_t  keys[] = { iam_string("a"), iam_string("b") };

    iam_context_init(&ctx, entries, sizeof(entries) / sizeof(entries[0]));

    set("aws:username", alice, 1);
    set("aws:PrincipalTag/team", team, 1);
    set("aws:PrincipalTag/evil", star, 1);
    set("aws:PrincipalAccount", account, 1);
    set("aws:TagKeys", keys, 2);
    set("aws:empty", NULL, 0);
}


static void
test_literals(void)
{
    ok(match("bucket", 0, "bucket") == 1, "literal equals itself");
    ok(match("bucket", 0, "Bucket") == 0, "literal is case-sensitive");
    ok(match("bucket", 0, "bucket2") == 0, "literal: a longer value");
    ok(match("bucket", 0, "bucke") == 0, "literal: a prefix of it");
    ok(match("", 0, "") == 1, "empty pattern matches the empty string");
    ok(match("", WC, "x") == 0, "empty pattern matches nothing else");
    ok(match("a*", 0, "a*") == 1, "no WILDCARDS: '*' is literal");
    ok(match("a*", 0, "abc") == 0, "no WILDCARDS: '*' is not a wildcard");
    ok(match("a?", 0, "ab") == 0, "no WILDCARDS: '?' is not a wildcard");
    ok(match("home/${aws:username}", WC, "home/${aws:username}") == 1,
       "no VARIABLES (2008-10-17): ${...} is literal");
    ok(match("home/${aws:username}", WC, "home/alice") == 0,
       "no VARIABLES: the variable is not resolved");
    ok(match("${aws:username", WC, "${aws:username") == 1,
       "no VARIABLES: an unterminated ${ is fine");
    ok(match("a$b", WC | VAR, "a$b") == 1, "'$' without '{' is literal");
}


static void
test_wildcards(void)
{
    ok(match("*", WC, "") == 1, "'*' matches the empty string");
    ok(match("*", WC, "arn:aws:s3:::b/k") == 1, "'*' crosses ':' and '/'");
    ok(match("s3:Get*", WC, "s3:GetObject") == 1, "s3:Get* ~ s3:GetObject");
    ok(match("s3:Get*", WC, "s3:PutObject") == 0, "s3:Get* !~ s3:PutObject");
    ok(match("s3:Get*", WC, "s3:Get") == 1, "trailing '*' matches empty");
    ok(match("*Object", WC, "s3:GetObject") == 1, "leading '*'");
    ok(match("*Object", WC, "s3:GetObjectAcl") == 0,
       "leading '*': the suffix must end the value");
    ok(match("a*b*c", WC, "aXXbYYc") == 1, "a*b*c ~ aXXbYYc");
    ok(match("a*b*c", WC, "abc") == 1, "a*b*c ~ abc");
    ok(match("a*b*c", WC, "acb") == 0, "a*b*c !~ acb");
    ok(match("a*b", WC, "abab") == 1, "a*b ~ abab: backtracks");
    ok(match("*ab", WC, "aab") == 1, "*ab ~ aab: the star re-extends");
    ok(match("a**b", WC, "aXb") == 1, "'**' is '*'");
    ok(match("a?c", WC, "abc") == 1, "a?c ~ abc");
    ok(match("a?c", WC, "ac") == 0, "'?' is exactly one character");
    ok(match("a?c", WC, "abbc") == 0, "'?' is not two characters");
    ok(match("?", WC, "") == 0, "'?' does not match the empty string");
    ok(match("*?", WC, "") == 0, "*? needs one character");
    ok(match("*?", WC, "x") == 1, "*? ~ x");
    ok(match("i-?????", WC, "i-12345") == 1, "i-????? ~ i-12345");
    ok(match("i-?????", WC, "i-1234") == 0, "i-????? !~ i-1234");
    ok(match("*a*a*a*a*a*a*a*a*b", WC,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
       == 0, "many stars against a long run: no match, no blow-up");
    ok(match("*a*a*a*a*a*a*a*a*b", WC,
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab")
       == 1, "many stars against a long run: match");
}


static void
test_utf8(void)
{
    /* é is two bytes, € three: '?' is one code point */
    ok(match("?", WC, "\xc3\xa9") == 1, "'?' matches a two-byte character");
    ok(match("?", WC, "\xe2\x82\xac") == 1,
       "'?' matches a three-byte character");
    ok(match("??", WC, "\xc3\xa9") == 0, "two '?' are not one character");
    ok(match("*??", WC, "\xe2\x82\xac") == 0,
       "after a '*' backtracks, '?' still never splits a character");
    ok(match("*?", WC, "a\xe2\x82\xac") == 1, "*? ~ a€");
    ok(match("caf?", WC, "caf\xc3\xa9") == 1, "caf? ~ café");
    ok(match("?", WC, "\xff") == 1, "'?' takes a stray byte as one");
    ok(match("?", WC, "\xc3") == 1, "'?' takes a truncated sequence as one");
}


static void
test_icase(void)
{
    iam_pattern_t         nul;
    const iam_pattern_t  *p;

    ok(match("S3:GetObject", ICASE, "s3:getobject") == 1,
       "ICASE: different case matches");
    ok(match("s3:get*", ICASE | WC, "S3:GETOBJECT") == 1,
       "ICASE with a wildcard");
    ok(match("s3:get*", ICASE | WC, "S3:PUTOBJECT") == 0,
       "ICASE still compares letters");
    ok(match("${aws:username}", ICASE | VAR, "ALICE") == 1,
       "ICASE applies to a variable's value");

    p = pat("S3:Get*Acl", ICASE | WC);
    ok(p != NULL && p->natoms == 3 && p->atoms[0].text.len == 6
       && memcmp(p->atoms[0].text.data, "s3:get", 6) == 0
       && memcmp(p->atoms[2].text.data, "acl", 3) == 0,
       "ICASE literals are stored lowercased");

    p = pat("a", ICASE);
    ok(p != NULL && iam_pattern_match(p, "A", 1, NULL) == 1
       && iam_pattern_match(p, "a\0", 2, NULL) == 0,
       "ICASE: the lengths must agree");

    if (iam_pattern_compile(pool, &nul, "a\0b", 3, ICASE | WC, err,
                            sizeof(err))
        == IAM_OK)
    {
        ok(iam_pattern_match(&nul, "A\0B", 3, NULL) == 1
           && iam_pattern_match(&nul, "a\0c", 3, NULL) == 0,
           "ICASE: a NUL is not the end of the comparison");

    } else {
        ok(0, "ICASE: a pattern with a NUL compiles");
    }
}


static void
test_atoms(void)
{
    const iam_pattern_t  *p;

    p = pat("a*b?c", WC);
    ok(p != NULL && p->natoms == 5
       && p->atoms[0].type == IAM_ATOM_LITERAL
       && p->atoms[1].type == IAM_ATOM_STAR
       && p->atoms[2].type == IAM_ATOM_LITERAL
       && p->atoms[3].type == IAM_ATOM_QMARK
       && p->atoms[4].type == IAM_ATOM_LITERAL,
       "a*b?c: literal, star, literal, qmark, literal");
    ok(p != NULL && p->has_wildcard && !p->has_variable, "a*b?c: flags");

    p = pat("***", WC);
    ok(p != NULL && p->natoms == 1 && p->atoms[0].type == IAM_ATOM_STAR,
       "'***' is one star");

    p = pat("plain", WC | VAR);
    ok(p != NULL && p->natoms == 1 && !p->has_wildcard && !p->has_variable,
       "a plain string is one literal atom");
    ok(p != NULL && p->text.len == 5 && memcmp(p->text.data, "plain", 5) == 0,
       "the pattern keeps its text as written");

    p = pat("a${*}b${?}c${$}", WC | VAR);
    ok(p != NULL && p->natoms == 1 && p->atoms[0].type == IAM_ATOM_LITERAL
       && p->atoms[0].text.len == 6
       && memcmp(p->atoms[0].text.data, "a*b?c$", 6) == 0
       && !p->has_wildcard && !p->has_variable,
       "${*} ${?} ${$} join the literal text");

    p = pat("home/${aws:username}/*", WC | VAR);
    ok(p != NULL && p->natoms == 4 && p->atoms[1].type == IAM_ATOM_VARIABLE
       && p->atoms[1].text.len == 12
       && memcmp(p->atoms[1].text.data, "aws:username", 12) == 0
       && p->atoms[1].hash == iam_hash_icase("aws:username", 12)
       && p->has_variable && p->has_wildcard,
       "a variable atom carries its key and hash");

    p = pat("${aws:username, 'anonymous'}", VAR);
    ok(p != NULL && p->natoms == 1 && p->atoms[0].has_default
       && p->atoms[0].dflt.len == 9
       && memcmp(p->atoms[0].dflt.data, "anonymous", 9) == 0,
       "a variable's default");
}


static void
test_variables(void)
{
    iam_context_t  other;

    ok(match("home/${aws:username}/*", WC | VAR, "home/alice/notes.txt") == 1,
       "home/${aws:username}/* ~ home/alice/notes.txt");
    ok(match("home/${aws:username}/*", WC | VAR, "home/bob/notes.txt") == 0,
       "home/${aws:username}/* !~ home/bob/notes.txt");
    ok(match("home/${aws:username}", WC | VAR, "home/alicex") == 0,
       "a variable's value is matched exactly");
    ok(match("${AWS:UserName}", VAR, "alice") == 1,
       "variable names are case-insensitive");
    ok(match("team/${aws:PrincipalTag/team}/*", WC | VAR,
             "team/storage/x") == 1, "${aws:PrincipalTag/team}");
    ok(match("x/${aws:PrincipalTag/evil}", WC | VAR, "x/*") == 1,
       "a value '*' matches a literal '*'");
    ok(match("x/${aws:PrincipalTag/evil}", WC | VAR, "x/anything") == 0,
       "a value '*' is never a wildcard");
    ok(match("${aws:nosuch}", WC | VAR, "") == 0,
       "an absent variable matches nothing, not even \"\"");
    ok(match("*${aws:nosuch}*", WC | VAR, "anything") == 0,
       "an absent variable makes the whole pattern match nothing");
    ok(match("${aws:TagKeys}", VAR, "a") == 0,
       "a multi-valued variable matches nothing");
    ok(match("${aws:empty}", VAR, "") == 0,
       "a key with no values matches nothing");
    ok(match("${aws:nosuch, 'anonymous'}", VAR, "anonymous") == 1,
       "the default of an absent variable");
    ok(match("${aws:nosuch,'anonymous'}", VAR, "anonymous") == 1,
       "a default with no spaces around the comma");
    ok(match("${aws:nosuch ,  'anonymous' }", VAR, "anonymous") == 1,
       "a default with spaces around the comma");
    ok(match("${aws:TagKeys, 'none'}", VAR, "none") == 1,
       "the default of a multi-valued variable");
    ok(match("${aws:username, 'anonymous'}", VAR, "alice") == 1,
       "a present variable ignores its default");
    ok(match("${aws:nosuch, 'a}b'}", VAR, "a}b") == 1,
       "a default may hold a '}'");
    ok(match("${aws:nosuch, ''}x", VAR, "x") == 1, "an empty default");
    ok(match("${aws:nosuch, '*'}", WC | VAR, "*") == 1
       && match("${aws:nosuch, '*'}", WC | VAR, "abc") == 0,
       "a default '*' is literal too");
    ok(match("a${*}b", WC | VAR, "a*b") == 1, "${*} is a literal '*'");
    ok(match("a${*}b", WC | VAR, "aXb") == 0, "${*} is not a wildcard");
    ok(match("${?}", WC | VAR, "?") == 1 && match("${?}", WC | VAR, "x") == 0,
       "${?} is a literal '?'");
    ok(match("${$}{x}", WC | VAR, "${x}") == 1, "${$} is a literal '$'");

    iam_context_init(&other, NULL, 0);
    ok(match_ctx("${aws:username}", VAR, "alice", &other) == 0,
       "an empty context: the variable has no value");
    ok(match_ctx("${aws:username}", VAR, "alice", NULL) == 0,
       "a NULL context: the variable has no value");
    ok(match_ctx("plain*", WC | VAR, "plain text", NULL) == 1,
       "a pattern without variables needs no context");
}


static void
test_expand(void)
{
    is_str(expand("home/${aws:username}", VAR, 64), "home/alice",
           "expand: a variable");
    is_str(expand("${aws:nosuch, 'anon'}/x", VAR, 64), "anon/x",
           "expand: a default");
    is_str(expand("${aws:nosuch}/x", VAR, 64), "(none)",
           "expand: a variable with no value");
    is_str(expand("home/${aws:username}", VAR, 9), "(none)",
           "expand: a buffer one byte short");
    is_str(expand("home/${aws:username}", VAR, 10), "home/alice",
           "expand: a buffer of exactly the length");
    is_str(expand("a${*}b", WC | VAR, 64), "a*b", "expand: ${*}");
    is_str(expand("", VAR, 64), "", "expand: the empty pattern");
}


static void
test_errors(void)
{
    char    buf[600];
    size_t  i;

    is_str(compile_error("home/${aws:username", VAR),
           "unterminated policy variable \"${aws:username\"",
           "error: unterminated ${");
    is_str(compile_error("${aws:username, 'anon}", VAR),
           "unterminated policy variable \"${aws:username, 'anon}\"",
           "error: unterminated default quote");
    is_str(compile_error("${}", VAR), "empty policy variable \"${}\"",
           "error: ${}");
    is_str(compile_error("${ , 'x'}", VAR),
           "empty policy variable \"${ , 'x'}\"",
           "error: a default with no name");
    is_str(compile_error("${aws:username, anonymous}", VAR),
           "a policy variable's default is written ${aws:username, 'value'}",
           "error: an unquoted default");
    is_str(compile_error("${aws:username, 'a' 'b'}", VAR),
           "a policy variable's default is written ${aws:username, 'value'}",
           "error: two quoted strings as the default");
    is_str(compile_error("${aws:username, 'a'b'}", VAR),
           "unterminated policy variable \"${aws:username, 'a'b'}\"",
           "error: an odd quote leaves the variable open");
    is_str(compile_error("${aws user}", VAR),
           "invalid policy variable name \"aws user\"",
           "error: a space inside the name");

    /* 128 times "a*" is 256 atoms, the limit; one more is too many */
    for (i = 0; i < 128; i++) {
        memcpy(buf + 2 * i, "a*", 2);
    }
    buf[256] = '\0';

    is_str(compile_error(buf, WC), "(compiled)", "256 atoms compile");

    memcpy(buf + 256, "a", 2);
    is_str(compile_error(buf, WC),
           "too many wildcards and variables (at most 256)",
           "error: 257 atoms");
}


static void
test_arn(void)
{
    iam_str_t  seg[6];

    ok(arn_match("*", WC | VAR, "arn:aws:s3:::b") == 1, "ARN '*' matches");
    ok(arn_match("*", WC | VAR, "not an arn") == 1,
       "ARN '*' matches even what is not an ARN");
    ok(arn_match("arn:aws:s3:::*", WC | VAR, "arn:aws:s3:::b/k:x") == 1,
       "arn:aws:s3:::* ~ arn:aws:s3:::b/k:x: the resource may hold ':'");
    ok(arn_match("arn:aws:s3:::*", WC | VAR, "arn:aws:s3:us-east-1::b") == 0,
       "arn:aws:s3:::*: an empty region only matches an empty region");
    ok(arn_match("arn:aws:s3:::amzn-s3-demo-bucket/*", WC | VAR,
                 "arn:aws:s3:::amzn-s3-demo-bucket/photos/1.jpg") == 1,
       "a bucket's objects");
    ok(arn_match("arn:aws:s3:::amzn-s3-demo-bucket/*", WC | VAR,
                 "arn:aws:s3:::amzn-s3-demo-bucket") == 0,
       "objects of a bucket do not include the bucket");
    ok(arn_match("arn:aws:s3:::Bucket/*", WC | VAR, "arn:aws:s3:::bucket/k")
       == 0, "ARN matching is case-sensitive");
    ok(arn_match("arn:aws:iam::*:user/*", WC | VAR,
                 "arn:aws:iam::123456789012:user/alice") == 1,
       "arn:aws:iam::*:user/* ~ a user");
    ok(arn_match("arn:aws:iam::*:user/*", WC | VAR,
                 "arn:aws:iam::123456789012:role/user/x") == 0,
       "arn:aws:iam::*:user/* !~ a role with user/ in its path");
    ok(arn_match("arn:aws:iam::*:user/*", WC | VAR,
                 "arn:aws:iam::123:456:user/x") == 0,
       "the account '*' does not swallow a second ':'");
    ok(match("arn:aws:iam::1*:user/x", WC, "arn:aws:iam::1:2:user/x") == 1
       && arn_match("arn:aws:iam::1*:user/x", WC, "arn:aws:iam::1:2:user/x")
          == 0, "a plain pattern's '*' crosses ':', an ARN segment's not");
    ok(arn_match("arn:aws:*:*:*:*", WC, "arn:aws:ec2:us-east-1:1:i/x") == 1,
       "wildcards in every segment");
    ok(arn_match("arn:aws:ec2:*:*:instance/i-?????", WC,
                 "arn:aws:ec2:us-east-1:123456789012:instance/i-12345") == 1,
       "instance/i-????? ~ i-12345");
    ok(arn_match("arn:aws:ec2:*:*:instance/i-?????", WC,
                 "arn:aws:ec2:us-east-1:123456789012:instance/i-1234") == 0,
       "instance/i-????? !~ i-1234");
    ok(arn_match("arn:aws:s3:::*", WC, "amzn-s3-demo-bucket/key") == 0,
       "a value that is not an ARN matches no ARN pattern");
    ok(arn_match("arn:aws:s3:::*", WC, "arn:aws:s3") == 0,
       "a value with fewer than six segments matches nothing");
    ok(arn_match("arn:aws:s3:::*", WC, "ARN:aws:s3:::b") == 0,
       "a value must start with arn:");
    ok(arn_match("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}",
                 WC | VAR, "arn:aws:iam::123456789012:user/alice") == 1,
       "variables in the account and resource (a ':' in the name)");
    ok(arn_match("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}",
                 WC | VAR, "arn:aws:iam::123456789012:user/bob") == 0,
       "variables: a different user");
    ok(arn_match("arn:aws:s3:::b/${aws:nosuch}", WC | VAR, "arn:aws:s3:::b/")
       == 0, "an ARN with an absent variable matches nothing");
    ok(arn_match("arn:aws:*", WC, "arn:aws:s3:::b/k") == 1,
       "arn:aws:* stands for arn:aws:*:*:*:*");
    ok(arn_match("arn:aws:*", WC, "arn:aws-cn:s3:::b/k") == 0,
       "arn:aws:* keeps its partition");

    ok(iam_arn_split("arn:aws:s3:::b/k:x", 18, seg) == IAM_OK
       && seg[0].len == 3 && seg[1].len == 3 && seg[2].len == 2
       && seg[3].len == 0 && seg[4].len == 0 && seg[5].len == 5
       && memcmp(seg[5].data, "b/k:x", 5) == 0,
       "iam_arn_split: six segments, the resource keeps its ':'");
    ok(iam_arn_split("arn:aws:s3:::", 13, seg) == IAM_OK && seg[5].len == 0,
       "iam_arn_split: an empty resource");
    ok(iam_arn_split("arn:aws:s3::", 12, seg) == IAM_ERROR,
       "iam_arn_split: four colons are not an ARN");
    ok(iam_arn_split("urn:aws:s3:::b", 14, seg) == IAM_ERROR,
       "iam_arn_split: must start with arn");
}


static void
test_arn_errors(void)
{
    is_str(arn_error("amzn-s3-demo-bucket/*", WC | VAR),
           "malformed ARN \"amzn-s3-demo-bucket/*\": must be \"*\" or "
           "arn:partition:service:region:account:resource",
           "ARN error: a bucket name");
    is_str(arn_error("arn:aws:s3", WC | VAR),
           "malformed ARN \"arn:aws:s3\": must be \"*\" or "
           "arn:partition:service:region:account:resource",
           "ARN error: three segments");
    is_str(arn_error("arn:aws:s3::b", WC | VAR),
           "malformed ARN \"arn:aws:s3::b\": must be \"*\" or "
           "arn:partition:service:region:account:resource",
           "ARN error: five segments");
    is_str(arn_error("ARN:aws:s3:::b", WC | VAR),
           "malformed ARN \"ARN:aws:s3:::b\": must be \"*\" or "
           "arn:partition:service:region:account:resource",
           "ARN error: ARN in capitals");
    is_str(arn_error("", WC | VAR),
           "malformed ARN \"\": must be \"*\" or "
           "arn:partition:service:region:account:resource",
           "ARN error: empty");
    is_str(arn_error("arn:aws:s3:::b/${aws:username", WC | VAR),
           "unterminated policy variable \"${aws:username\"",
           "ARN error: an unterminated variable in the resource");
    is_str(arn_error("arn:aws:s3:::b/${aws:username", WC),
           "(compiled)", "ARN: without VARIABLES ${ is literal");
}


int
main(void)
{
    pool = iam_pool_create();
    setup_context();

    test_literals();
    test_wildcards();
    test_utf8();
    test_icase();
    test_atoms();
    test_variables();
    test_expand();
    test_errors();
    test_arn();
    test_arn_errors();

    iam_pool_destroy(pool);

    return tap_done();
}
