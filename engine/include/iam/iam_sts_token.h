/*
 * ngx_iam engine: STS session tokens, sealed and stateless.
 *
 * A token is the session itself (who, which role, tags, session policy,
 * MFA time, issue and expiry times) in a compact binary form, encrypted and
 * authenticated with AES-256-GCM under a key of the key file, base64url
 * encoded.  The access key id (ASIA...) and the secret access key are
 * derived from the token with HMAC under the same key, so nothing is stored
 * and every worker and every server holding the key file accepts the same
 * credentials.
 *
 *   token = base64url( version(1) key-id(4) length(2) nonce(12)
 *                      ciphertext tag(16) )
 *
 * The first seven bytes are the GCM additional data; "length" is the
 * token's byte count, so that a truncated token is told apart from a
 * tampered one.
 */

#ifndef _IAM_STS_TOKEN_H_INCLUDED_
#define _IAM_STS_TOKEN_H_INCLUDED_


#include <time.h>
#include <iam/iam_core.h>


#define IAM_STS_KEY_HEX_LEN         64
#define IAM_STS_MAX_KEYS            16
#define IAM_STS_MAX_TAGS            50
#define IAM_STS_MAX_POLICY_ARNS     10
/* the packed session (AWS's PackedPolicySize is about this) */
#define IAM_STS_MAX_PLAIN           2900
/* the longest token text accepted; larger is refused unread */
#define IAM_STS_MAX_TOKEN           4096
/* what iam_sts_token_open() needs in buf */
#define IAM_STS_OPEN_BUF            (2 * IAM_STS_MAX_TOKEN)
#define IAM_STS_AKID_LEN            20      /* ASIA + 16 */
#define IAM_STS_SECRET_LEN          40


typedef struct {
    unsigned char           id[4];          /* in every token it seals */
    unsigned char           seal[32];       /* AES-256-GCM */
    unsigned char           derive[32];     /* HMAC: access key, secret */
} iam_sts_key_t;

/* The first key seals; every key opens.  Plain memory, no pointers. */
typedef struct {
    iam_sts_key_t           keys[IAM_STS_MAX_KEYS];
    size_t                  nkeys;
} iam_sts_keyring_t;

/*
 * One key per line, 64 hexadecimal characters; blank lines and lines
 * starting with '#' are skipped.  IAM_ERROR with FILE:LINE:COLUMN
 * diagnostics when the file is unreadable, has no key, or a bad line.
 */
int iam_sts_keyring_load(iam_sts_keyring_t *ring, const char *file,
    iam_diags_t *diags);
/* Adds one 32-byte key (tests, tools). */
int iam_sts_keyring_add(iam_sts_keyring_t *ring, const unsigned char *key);
void iam_sts_keyring_wipe(iam_sts_keyring_t *ring);


typedef enum {
    IAM_STS_SESSION_ROLE = 1,       /* AssumeRole*: a role session */
    IAM_STS_SESSION_USER            /* GetSessionToken: the user itself */
} iam_sts_session_kind_e;

typedef struct {
    iam_str_t               key;
    iam_str_t               value;
    unsigned                transitive:1;
} iam_sts_tag_t;

/* What a token carries.  From iam_sts_token_open(), strings point into buf. */
typedef struct {
    iam_sts_session_kind_e  kind;
    /* assumed with the credentials of another role session */
    unsigned                chained:1;
    iam_str_t               arn;        /* the role's or the user's ARN */
    iam_str_t               session_name;   /* ROLE only */
    iam_str_t               source_identity;    /* empty: none */
    iam_str_t               provider;   /* web identity issuer; empty: none */
    iam_str_t               policy;     /* session policy JSON; empty: none */
    iam_str_t               policy_arns[IAM_STS_MAX_POLICY_ARNS];
    size_t                  npolicy_arns;
    iam_sts_tag_t           tags[IAM_STS_MAX_TAGS];
    size_t                  ntags;
    time_t                  mfa_time;   /* 0: authenticated without MFA */
    time_t                  issued;
    time_t                  expires;
} iam_sts_session_t;

typedef struct {
    char                    access_key_id[IAM_STS_AKID_LEN + 1];
    char                    secret[IAM_STS_SECRET_LEN + 1];
} iam_sts_credentials_t;


/* Why a token was refused; iam_sts_error_*() give AWS's words for it. */
typedef enum {
    IAM_STS_OK = 0,
    IAM_STS_ERR_MALFORMED,      /* not base64url, too short/long, version */
    IAM_STS_ERR_TRUNCATED,      /* fewer bytes than its header says */
    IAM_STS_ERR_UNKNOWN_KEY,    /* sealed under a key not in the file */
    IAM_STS_ERR_TAMPERED,       /* GCM authentication failed */
    IAM_STS_ERR_EXPIRED,
    IAM_STS_ERR_TOO_LARGE,      /* seal: the session does not fit */
    IAM_STS_ERR_INVALID,        /* seal: a field breaks the limits */
    IAM_STS_ERR_INTERNAL
} iam_sts_err_e;

/* STS and most services: ExpiredToken / InvalidClientTokenId, 403 */
const char *iam_sts_error_code(iam_sts_err_e err);
const char *iam_sts_error_message(iam_sts_err_e err);
/* S3: ExpiredToken / InvalidToken, 400 */
const char *iam_sts_error_s3_code(iam_sts_err_e err);
const char *iam_sts_error_s3_message(iam_sts_err_e err);
/* which check failed, for the error log */
const char *iam_sts_error_detail(iam_sts_err_e err);


/*
 * Seals session under the ring's first key: the token text (NUL-terminated)
 * into out, its length into *len, and the credentials derived from it.
 */
iam_sts_err_e iam_sts_token_seal(const iam_sts_keyring_t *ring,
    const iam_sts_session_t *session, char *out, size_t size, size_t *len,
    iam_sts_credentials_t *creds);

/*
 * Opens a token: IAM_STS_OK with *session (strings pointing into buf, of
 * IAM_STS_OPEN_BUF bytes) and *creds filled; otherwise why it is refused.
 * Expiry is checked against now, after authentication.
 */
iam_sts_err_e iam_sts_token_open(const iam_sts_keyring_t *ring,
    iam_str_t token, time_t now, unsigned char *buf, size_t size,
    iam_sts_session_t *session, iam_sts_credentials_t *creds);

/*
 * The principal's ARN: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION for a
 * role session, the user's ARN for a user's.  Its length; 0 when it does
 * not fit in size (NUL included).
 */
size_t iam_sts_principal_arn(const iam_sts_session_t *session, char *buf,
    size_t size);


#endif /* _IAM_STS_TOKEN_H_INCLUDED_ */
