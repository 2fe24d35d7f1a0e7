/*
 * ngx_iam engine: S3 payload integrity, verified as the body streams.
 *
 * What x-amz-content-sha256 promises about the body, checked without ever
 * holding the body: fed buffers of any size, split anywhere, the decoder
 * keeps a fixed-size state (one chunk header line, two digests).
 *
 *   a hex SHA-256                          the body hashes to it;
 *   UNSIGNED-PAYLOAD                       nothing to check;
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD     aws-chunked, each chunk signed,
 *                                          chained from the seed signature
 *                                          of the Authorization header;
 *   STREAMING-UNSIGNED-PAYLOAD-TRAILER     aws-chunked, unsigned chunks,
 *                                          a checksum in the trailer;
 *   STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
 *                                          both, and a signed trailer.
 *
 * An x-amz-checksum-crc32/crc32c/sha1/sha256 request header is checked
 * against the object too, whatever the mode but the trailer ones.
 *
 * iam_s3_chunked_init() once the request is authenticated (it needs the
 * signing key), iam_s3_chunked_feed() for every buffer of the body as
 * received, iam_s3_chunked_finish() at its end: only then is the body
 * known to be good.  Every failure has its own error, mapped to S3's code.
 */

#ifndef _IAM_S3_CHUNKED_H_INCLUDED_
#define _IAM_S3_CHUNKED_H_INCLUDED_


#include <iam/iam_core.h>
#include <iam/iam_sigv4.h>


#define IAM_S3_STREAMING_SIGNED                                               \
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define IAM_S3_STREAMING_SIGNED_TRAILER                                       \
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define IAM_S3_STREAMING_UNSIGNED_TRAILER                                     \
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

/* "ffffffffffffffff;chunk-signature=<64 hex>" fits with room to spare */
#define IAM_S3_CHUNKED_MAX_LINE      128
#define IAM_S3_CHUNKED_MAX_SCOPE     128
/* signed chunks but the last are at least this long, as S3 requires */
#define IAM_S3_CHUNKED_MIN_SIGNED    8192


typedef enum {
    IAM_S3_PAYLOAD_SHA256 = 0,          /* a hex hash of the whole body */
    IAM_S3_PAYLOAD_UNSIGNED,            /* UNSIGNED-PAYLOAD */
    IAM_S3_PAYLOAD_STREAMING,           /* chunks signed */
    IAM_S3_PAYLOAD_STREAMING_TRAILER,   /* chunks and trailer signed */
    IAM_S3_PAYLOAD_UNSIGNED_TRAILER,    /* chunks unsigned, trailer too */
    IAM_S3_PAYLOAD_UNSUPPORTED          /* STREAMING-AWS4-ECDSA-..., ... */
} iam_s3_payload_e;

/* which of the above an x-amz-content-sha256 value is */
iam_s3_payload_e iam_s3_payload_mode(iam_str_t content_sha256);


typedef enum {
    IAM_S3_CHECKSUM_NONE = 0,
    IAM_S3_CHECKSUM_CRC32,
    IAM_S3_CHECKSUM_CRC32C,
    IAM_S3_CHECKSUM_SHA1,
    IAM_S3_CHECKSUM_SHA256
} iam_s3_checksum_e;

/* which checksum a header name is ("x-amz-checksum-crc32"...), or NONE */
iam_s3_checksum_e iam_s3_checksum_header(iam_str_t name);


/*
 * The error catalogue: iam_s3_chunked_error_code(), _status() and
 * _message() give S3's answer; ck->detail says what exactly was wrong.
 */
typedef enum {
    IAM_S3_CHUNKED_OK = 0,
    IAM_S3_CHUNKED_ERR_UNSUPPORTED,          /* NotImplemented 501 */
    IAM_S3_CHUNKED_ERR_UNSIGNED_REFUSED,     /* AccessDenied 403 */
    IAM_S3_CHUNKED_ERR_DECODED_LENGTH_MISSING,  /* MissingContentLength 411 */
    IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID,  /* InvalidArgument 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_UNSUPPORTED,  /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_UNEXPECTED,   /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_SHA256_MISMATCH,   /* XAmzContentSHA256Mismatch 400 */
    IAM_S3_CHUNKED_ERR_SIZE_INVALID,         /* InvalidChunkSizeError 400 */
    IAM_S3_CHUNKED_ERR_SIZE_OVERFLOW,        /* InvalidChunkSizeError 400 */
    IAM_S3_CHUNKED_ERR_LINE_TOO_LONG,        /* InvalidChunkSizeError 400 */
    IAM_S3_CHUNKED_ERR_CHUNK_TOO_SMALL,      /* InvalidChunkSizeError 400 */
    IAM_S3_CHUNKED_ERR_EXTENSION,            /* InvalidArgument 400 */
    IAM_S3_CHUNKED_ERR_SIGNATURE_MISSING,    /* SignatureDoesNotMatch 403 */
    IAM_S3_CHUNKED_ERR_SIGNATURE_MALFORMED,  /* SignatureDoesNotMatch 403 */
    IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH,   /* SignatureDoesNotMatch 403 */
    IAM_S3_CHUNKED_ERR_CRLF_MISSING,         /* IncompleteBody 400 */
    IAM_S3_CHUNKED_ERR_DECODED_LENGTH_EXCEEDED,  /* IncompleteBody 400 */
    IAM_S3_CHUNKED_ERR_DECODED_LENGTH_SHORT,     /* IncompleteBody 400 */
    IAM_S3_CHUNKED_ERR_TRUNCATED,            /* IncompleteBody 400 */
    IAM_S3_CHUNKED_ERR_DATA_AFTER_END,       /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_MALFORMED,    /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_NOT_DECLARED, /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_DUPLICATE,    /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_MISSING,      /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISSING,   /* SignatureDoesNotMatch */
    IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_UNEXPECTED,  /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISMATCH,  /* SignatureDoesNotMatch */
    IAM_S3_CHUNKED_ERR_CHECKSUM_INVALID,     /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH,    /* BadDigest 400 */
    IAM_S3_CHUNKED_ERR_CHECKSUM_TWICE,       /* InvalidRequest 400 */
    IAM_S3_CHUNKED_ERR_INTERNAL,             /* InternalError 500 */
    IAM_S3_CHUNKED_ERR_LAST
} iam_s3_chunked_err_t;

const char *iam_s3_chunked_error_code(iam_s3_chunked_err_t err);
int iam_s3_chunked_error_status(iam_s3_chunked_err_t err);
const char *iam_s3_chunked_error_message(iam_s3_chunked_err_t err);


/* What the decoder needs from the request, and from its authentication. */
typedef struct {
    iam_str_t               content_sha256;  /* x-amz-content-sha256 */
    iam_str_t               decoded_length;  /* x-amz-decoded-content-length */
    iam_str_t               trailer;         /* x-amz-trailer, if any */
    unsigned                have_trailer:1;  /* x-amz-trailer was sent */
    /* an x-amz-checksum-* request header, checked against the object */
    iam_s3_checksum_e       checksum;
    iam_str_t               checksum_value;
    unsigned                refuse_unsigned:1;  /* UNSIGNED-PAYLOAD */

    /* signed modes: the verified request, and the key's secret */
    const iam_sigv4_auth_t *auth;
    iam_str_t               secret;
    iam_sigv4_cache_t      *cache;          /* may be NULL */

    /*
     * Where the decoded bytes go, if anywhere: every byte of the object
     * is passed once, in order, before the chunk that holds it is known
     * to be good.  Returns IAM_OK, or IAM_ERROR to stop.
     */
    int                   (*output)(void *data, const void *buf, size_t len);
    void                   *output_data;
} iam_s3_chunked_conf_t;


/* the decoder's state, all of it: no allocation after init */
typedef struct {
    iam_s3_payload_e        mode;
    iam_s3_checksum_e       checksum;
    unsigned                state;
    unsigned                signed_chunks:1;
    unsigned                trailer:1;       /* a trailer section follows */
    unsigned                have_checksum:1; /* the trailer line was seen */
    unsigned                have_trailer_sig:1;
    unsigned                final:1;         /* the 0-length chunk seen */
    unsigned                short_chunk:1;   /* one under the minimum */

    uint64_t                decoded_length;
    uint64_t                decoded;         /* object bytes so far */
    uint64_t                chunk_left;      /* of the current chunk */
    uint64_t                chunks;          /* counted, for details */

    size_t                  line_len;
    char                    line[IAM_S3_CHUNKED_MAX_LINE];

    /* signing: key, timestamp and scope of the seed, the chain */
    unsigned char           key[32];
    char                    date[17];
    size_t                  scope_len;
    char                    scope[IAM_S3_CHUNKED_MAX_SCOPE];
    char                    prev_sig[IAM_SIGV4_HEX_LEN];
    char                    chunk_sig[IAM_SIGV4_HEX_LEN];
    char                    trailer_sig[IAM_SIGV4_HEX_LEN];

    /* x-amz-content-sha256 of a hex mode, lowercase */
    char                    payload_hash[IAM_SIGV4_HEX_LEN];
    /* the claimed checksum, base64: the trailer's or the header's */
    char                    expected[IAM_SIGV4_HEX_LEN + 1];
    size_t                  expected_len;
    iam_str_t               checksum_name;   /* x-amz-checksum-crc32 ... */

    /* EVP_MD_CTXs: a chunk's data (the whole body's for a hex hash), and
       the object's SHA-1 or SHA-256 checksum */
    void                   *chunk_md;
    void                   *body_md;
    uint32_t                crc;

    int                   (*output)(void *data, const void *buf, size_t len);
    void                   *output_data;

    iam_s3_chunked_err_t    error;
    const char             *detail;
} iam_s3_chunked_t;


/*
 * IAM_OK: ready to be fed; IAM_ERROR: ck->error says why (a bad header,
 * UNSIGNED-PAYLOAD refused, ...).  Either way iam_s3_chunked_cleanup()
 * must follow, once.
 */
int iam_s3_chunked_init(iam_s3_chunked_t *ck,
    const iam_s3_chunked_conf_t *conf);

/* IAM_OK, or IAM_ERROR with ck->error set; errors are sticky */
int iam_s3_chunked_feed(iam_s3_chunked_t *ck, const void *data, size_t len);

/* the body ended: IAM_OK only if it was complete and every check held */
int iam_s3_chunked_finish(iam_s3_chunked_t *ck);

/* frees the digests and wipes the signing key */
void iam_s3_chunked_cleanup(iam_s3_chunked_t *ck);

/* the mode is aws-chunked: the upstream gets a framed body */
#define iam_s3_chunked_framed(ck)                                             \
    ((ck)->mode >= IAM_S3_PAYLOAD_STREAMING                                   \
     && (ck)->mode <= IAM_S3_PAYLOAD_UNSIGNED_TRAILER)


#endif /* _IAM_S3_CHUNKED_H_INCLUDED_ */
