/*
 * ngx_iam engine: S3 payload integrity, verified as the body streams.
 *
 * A byte-driven state machine over aws-chunked framing: chunk header
 * lines are gathered into a fixed buffer (they are short), chunk data is
 * hashed in place as it passes, never copied.  SHA-256, SHA-1 and HMAC are
 * OpenSSL's; CRC32 is zlib's; CRC32C, which neither offers (and Debian has
 * no C library for), is the table-driven Castagnoli CRC of RFC 3720.
 */

#include <ctype.h>
#include <sys/types.h>
#include <zlib.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <iam/iam_s3_chunked.h>
#include "iam_sigv4_internal.h"
#include "iam_s3_chunked_internal.h"

#if (defined(__x86_64__) || defined(__i386__))                               \
    && (defined(__GNUC__) || defined(__clang__))
#define IAM_S3_CRC32C_SSE42  1
#include <nmmintrin.h>
#endif


typedef struct {
    const char             *code;
    int                     status;
    const char             *message;
} iam_s3_chunked_error_t;


enum {
    IAM_S3_CK_SIZE = 0,           /* a chunk header line */
    IAM_S3_CK_DATA,               /* chunk data */
    IAM_S3_CK_DATA_CR,            /* the CRLF after the data */
    IAM_S3_CK_DATA_LF,
    IAM_S3_CK_END,                /* the empty line after the last chunk */
    IAM_S3_CK_TRAILER,            /* a trailer line, or the empty one */
    IAM_S3_CK_DONE,
    IAM_S3_CK_FAILED
};


static int iam_s3_chunked_fail(iam_s3_chunked_t *ck,
    iam_s3_chunked_err_t err, const char *detail);
static int iam_s3_chunked_init_trailer(iam_s3_chunked_t *ck,
    const iam_s3_chunked_conf_t *conf);
static int iam_s3_chunked_init_signing(iam_s3_chunked_t *ck,
    const iam_s3_chunked_conf_t *conf);
static int iam_s3_chunked_init_sum(iam_s3_chunked_t *ck,
    iam_s3_checksum_e checksum);
static int iam_s3_chunked_expect_sum(iam_s3_chunked_t *ck, iam_str_t value);
static int iam_s3_chunked_sum(iam_s3_chunked_t *ck, const char *p, size_t n);
static int iam_s3_chunked_check_sum(iam_s3_chunked_t *ck);
static int iam_s3_chunked_length(iam_str_t s, uint64_t *value);
static ssize_t iam_s3_chunked_line(iam_s3_chunked_t *ck, const char *p,
    const char *end);
static int iam_s3_chunked_header(iam_s3_chunked_t *ck);
static int iam_s3_chunked_data(iam_s3_chunked_t *ck, const char *p,
    size_t n);
static int iam_s3_chunked_chunk_end(iam_s3_chunked_t *ck);
static int iam_s3_chunked_trailer_line(iam_s3_chunked_t *ck);
static int iam_s3_chunked_trailer_end(iam_s3_chunked_t *ck);
static int iam_s3_chunked_sign(iam_s3_chunked_t *ck, int trailer,
    const char *hash, char *hex);
static int iam_s3_chunked_is_sig(const char *p, size_t len);
static size_t iam_s3_chunked_digest_b64(iam_s3_chunked_t *ck, char *out);
#if (IAM_S3_CRC32C_SSE42)
static uint32_t iam_s3_crc32c_sse42(uint32_t crc, const unsigned char *p,
    size_t len);
#endif
static const EVP_MD *iam_s3_chunked_md(int sha1);


static const iam_s3_chunked_error_t  iam_s3_chunked_errors[] = {
    { "", 200, "" },
    { "NotImplemented", 501,
      "A header you provided implies functionality that is not "
      "implemented." },
    { "AccessDenied", 403,
      "Unsigned payloads are not accepted here; sign the payload." },
    { "MissingContentLength", 411,
      "You must provide the x-amz-decoded-content-length HTTP header." },
    { "InvalidArgument", 400,
      "x-amz-decoded-content-length must be a non-negative integer." },
    { "InvalidRequest", 400,
      "The value specified in the x-amz-trailer header is not "
      "supported." },
    { "InvalidRequest", 400,
      "x-amz-trailer requires a STREAMING-...-TRAILER "
      "x-amz-content-sha256." },
    { "XAmzContentSHA256Mismatch", 400,
      "The provided 'x-amz-content-sha256' header does not match what was "
      "computed." },
    { "InvalidChunkSizeError", 400,
      "The chunk size is not a hexadecimal number." },
    { "InvalidChunkSizeError", 400,
      "The chunk size is too large." },
    { "InvalidChunkSizeError", 400,
      "The chunk header is too long." },
    { "InvalidChunkSizeError", 400,
      "Only the last chunk is allowed to have a size less than 8192 "
      "bytes." },
    { "InvalidArgument", 400,
      "A chunk carries an extension other than chunk-signature." },
    { "SignatureDoesNotMatch", 403,
      "A chunk of a signed payload has no chunk-signature." },
    { "SignatureDoesNotMatch", 403,
      "A chunk signature is not 64 lowercase hexadecimal digits." },
    { "SignatureDoesNotMatch", 403,
      "The chunk signature we calculated does not match the signature you "
      "provided." },
    { "IncompleteBody", 400,
      "The chunked body is malformed: a CRLF is missing." },
    { "IncompleteBody", 400,
      "The body holds more bytes than x-amz-decoded-content-length." },
    { "IncompleteBody", 400,
      "You did not provide the number of bytes specified by the "
      "x-amz-decoded-content-length HTTP header." },
    { "IncompleteBody", 400,
      "The request body terminated unexpectedly." },
    { "InvalidRequest", 400,
      "The body goes on after its final chunk." },
    { "InvalidRequest", 400,
      "A trailing header is malformed." },
    { "InvalidRequest", 400,
      "The body carries a trailing header that x-amz-trailer did not "
      "declare." },
    { "InvalidRequest", 400,
      "A trailing header is repeated." },
    { "InvalidRequest", 400,
      "The trailing checksum that x-amz-trailer declared was not sent." },
    { "SignatureDoesNotMatch", 403,
      "The trailing headers of a signed payload are not signed." },
    { "InvalidRequest", 400,
      "An unsigned payload carries a trailer signature." },
    { "SignatureDoesNotMatch", 403,
      "The trailer signature we calculated does not match the signature "
      "you provided." },
    { "InvalidRequest", 400,
      "The value of the trailing checksum is not a valid base64 "
      "checksum." },
    { "BadDigest", 400,
      "The checksum you specified did not match the calculated "
      "checksum." },
    { "InvalidRequest", 400,
      "Expecting a single x-amz-checksum- header. Multiple checksum Types "
      "are not allowed." },
    { "InternalError", 500,
      "We encountered an internal error. Please try again." },
};


typedef struct {
    iam_str_t               name;
    size_t                  b64_len;
} iam_s3_checksum_t;

static const iam_s3_checksum_t  iam_s3_checksums[] = {
    { iam_null_string, 0 },
    { iam_string("x-amz-checksum-crc32"), 8 },
    { iam_string("x-amz-checksum-crc32c"), 8 },
    { iam_string("x-amz-checksum-sha1"), 28 },
    { iam_string("x-amz-checksum-sha256"), 44 },
};


/* the Castagnoli polynomial, reflected (0x82f63b78) */
static const uint32_t  iam_s3_crc32c_table[256] = {
    0x00000000u, 0xf26b8303u, 0xe13b70f7u, 0x1350f3f4u,
    0xc79a971fu, 0x35f1141cu, 0x26a1e7e8u, 0xd4ca64ebu,
    0x8ad958cfu, 0x78b2dbccu, 0x6be22838u, 0x9989ab3bu,
    0x4d43cfd0u, 0xbf284cd3u, 0xac78bf27u, 0x5e133c24u,
    0x105ec76fu, 0xe235446cu, 0xf165b798u, 0x030e349bu,
    0xd7c45070u, 0x25afd373u, 0x36ff2087u, 0xc494a384u,
    0x9a879fa0u, 0x68ec1ca3u, 0x7bbcef57u, 0x89d76c54u,
    0x5d1d08bfu, 0xaf768bbcu, 0xbc267848u, 0x4e4dfb4bu,
    0x20bd8edeu, 0xd2d60dddu, 0xc186fe29u, 0x33ed7d2au,
    0xe72719c1u, 0x154c9ac2u, 0x061c6936u, 0xf477ea35u,
    0xaa64d611u, 0x580f5512u, 0x4b5fa6e6u, 0xb93425e5u,
    0x6dfe410eu, 0x9f95c20du, 0x8cc531f9u, 0x7eaeb2fau,
    0x30e349b1u, 0xc288cab2u, 0xd1d83946u, 0x23b3ba45u,
    0xf779deaeu, 0x05125dadu, 0x1642ae59u, 0xe4292d5au,
    0xba3a117eu, 0x4851927du, 0x5b016189u, 0xa96ae28au,
    0x7da08661u, 0x8fcb0562u, 0x9c9bf696u, 0x6ef07595u,
    0x417b1dbcu, 0xb3109ebfu, 0xa0406d4bu, 0x522bee48u,
    0x86e18aa3u, 0x748a09a0u, 0x67dafa54u, 0x95b17957u,
    0xcba24573u, 0x39c9c670u, 0x2a993584u, 0xd8f2b687u,
    0x0c38d26cu, 0xfe53516fu, 0xed03a29bu, 0x1f682198u,
    0x5125dad3u, 0xa34e59d0u, 0xb01eaa24u, 0x42752927u,
    0x96bf4dccu, 0x64d4cecfu, 0x77843d3bu, 0x85efbe38u,
    0xdbfc821cu, 0x2997011fu, 0x3ac7f2ebu, 0xc8ac71e8u,
    0x1c661503u, 0xee0d9600u, 0xfd5d65f4u, 0x0f36e6f7u,
    0x61c69362u, 0x93ad1061u, 0x80fde395u, 0x72966096u,
    0xa65c047du, 0x5437877eu, 0x4767748au, 0xb50cf789u,
    0xeb1fcbadu, 0x197448aeu, 0x0a24bb5au, 0xf84f3859u,
    0x2c855cb2u, 0xdeeedfb1u, 0xcdbe2c45u, 0x3fd5af46u,
    0x7198540du, 0x83f3d70eu, 0x90a324fau, 0x62c8a7f9u,
    0xb602c312u, 0x44694011u, 0x5739b3e5u, 0xa55230e6u,
    0xfb410cc2u, 0x092a8fc1u, 0x1a7a7c35u, 0xe811ff36u,
    0x3cdb9bddu, 0xceb018deu, 0xdde0eb2au, 0x2f8b6829u,
    0x82f63b78u, 0x709db87bu, 0x63cd4b8fu, 0x91a6c88cu,
    0x456cac67u, 0xb7072f64u, 0xa457dc90u, 0x563c5f93u,
    0x082f63b7u, 0xfa44e0b4u, 0xe9141340u, 0x1b7f9043u,
    0xcfb5f4a8u, 0x3dde77abu, 0x2e8e845fu, 0xdce5075cu,
    0x92a8fc17u, 0x60c37f14u, 0x73938ce0u, 0x81f80fe3u,
    0x55326b08u, 0xa759e80bu, 0xb4091bffu, 0x466298fcu,
    0x1871a4d8u, 0xea1a27dbu, 0xf94ad42fu, 0x0b21572cu,
    0xdfeb33c7u, 0x2d80b0c4u, 0x3ed04330u, 0xccbbc033u,
    0xa24bb5a6u, 0x502036a5u, 0x4370c551u, 0xb11b4652u,
    0x65d122b9u, 0x97baa1bau, 0x84ea524eu, 0x7681d14du,
    0x2892ed69u, 0xdaf96e6au, 0xc9a99d9eu, 0x3bc21e9du,
    0xef087a76u, 0x1d63f975u, 0x0e330a81u, 0xfc588982u,
    0xb21572c9u, 0x407ef1cau, 0x532e023eu, 0xa145813du,
    0x758fe5d6u, 0x87e466d5u, 0x94b49521u, 0x66df1622u,
    0x38cc2a06u, 0xcaa7a905u, 0xd9f75af1u, 0x2b9cd9f2u,
    0xff56bd19u, 0x0d3d3e1au, 0x1e6dcdeeu, 0xec064eedu,
    0xc38d26c4u, 0x31e6a5c7u, 0x22b65633u, 0xd0ddd530u,
    0x0417b1dbu, 0xf67c32d8u, 0xe52cc12cu, 0x1747422fu,
    0x49547e0bu, 0xbb3ffd08u, 0xa86f0efcu, 0x5a048dffu,
    0x8ecee914u, 0x7ca56a17u, 0x6ff599e3u, 0x9d9e1ae0u,
    0xd3d3e1abu, 0x21b862a8u, 0x32e8915cu, 0xc083125fu,
    0x144976b4u, 0xe622f5b7u, 0xf5720643u, 0x07198540u,
    0x590ab964u, 0xab613a67u, 0xb831c993u, 0x4a5a4a90u,
    0x9e902e7bu, 0x6cfbad78u, 0x7fab5e8cu, 0x8dc0dd8fu,
    0xe330a81au, 0x115b2b19u, 0x020bd8edu, 0xf0605beeu,
    0x24aa3f05u, 0xd6c1bc06u, 0xc5914ff2u, 0x37faccf1u,
    0x69e9f0d5u, 0x9b8273d6u, 0x88d28022u, 0x7ab90321u,
    0xae7367cau, 0x5c18e4c9u, 0x4f48173du, 0xbd23943eu,
    0xf36e6f75u, 0x0105ec76u, 0x12551f82u, 0xe03e9c81u,
    0x34f4f86au, 0xc69f7b69u, 0xd5cf889du, 0x27a40b9eu,
    0x79b737bau, 0x8bdcb4b9u, 0x988c474du, 0x6ae7c44eu,
    0xbe2da0a5u, 0x4c4623a6u, 0x5f16d052u, 0xad7d5351u,
};


_Static_assert(sizeof(iam_s3_chunked_errors) / sizeof(iam_s3_chunked_errors[0])
               == IAM_S3_CHUNKED_ERR_LAST,
               "one entry per iam_s3_chunked_err_t");


const char *
iam_s3_chunked_error_code(iam_s3_chunked_err_t err)
{
    if ((unsigned) err >= IAM_S3_CHUNKED_ERR_LAST) {
        err = IAM_S3_CHUNKED_ERR_INTERNAL;
    }

    return iam_s3_chunked_errors[err].code;
}


int
iam_s3_chunked_error_status(iam_s3_chunked_err_t err)
{
    if ((unsigned) err >= IAM_S3_CHUNKED_ERR_LAST) {
        err = IAM_S3_CHUNKED_ERR_INTERNAL;
    }

    return iam_s3_chunked_errors[err].status;
}


const char *
iam_s3_chunked_error_message(iam_s3_chunked_err_t err)
{
    if ((unsigned) err >= IAM_S3_CHUNKED_ERR_LAST) {
        err = IAM_S3_CHUNKED_ERR_INTERNAL;
    }

    return iam_s3_chunked_errors[err].message;
}


iam_s3_payload_e
iam_s3_payload_mode(iam_str_t v)
{
    size_t  i;

    if (v.len == IAM_SIGV4_HEX_LEN) {
        for (i = 0; i < v.len; i++) {
            if (iam_hex_value(v.data[i]) < 0) {
                return IAM_S3_PAYLOAD_UNSUPPORTED;
            }
        }

        return IAM_S3_PAYLOAD_SHA256;
    }

    if (iam_str_eq_cstr(v, IAM_SIGV4_UNSIGNED_PAYLOAD)) {
        return IAM_S3_PAYLOAD_UNSIGNED;
    }

    if (iam_str_eq_cstr(v, IAM_S3_STREAMING_SIGNED)) {
        return IAM_S3_PAYLOAD_STREAMING;
    }

    if (iam_str_eq_cstr(v, IAM_S3_STREAMING_SIGNED_TRAILER)) {
        return IAM_S3_PAYLOAD_STREAMING_TRAILER;
    }

    if (iam_str_eq_cstr(v, IAM_S3_STREAMING_UNSIGNED_TRAILER)) {
        return IAM_S3_PAYLOAD_UNSIGNED_TRAILER;
    }

    return IAM_S3_PAYLOAD_UNSUPPORTED;
}


int
iam_s3_chunked_init(iam_s3_chunked_t *ck, const iam_s3_chunked_conf_t *conf)
{
    size_t  i;

    memset(ck, 0, sizeof(iam_s3_chunked_t));

    ck->mode = iam_s3_payload_mode(conf->content_sha256);
    ck->output = conf->output;
    ck->output_data = conf->output_data;

    switch (ck->mode) {

    case IAM_S3_PAYLOAD_SHA256:
        for (i = 0; i < IAM_SIGV4_HEX_LEN; i++) {
            ck->payload_hash[i] = (char) tolower(
                                  (unsigned char) conf->content_sha256.data[i]);
        }

        ck->chunk_md = EVP_MD_CTX_new();

        if (ck->chunk_md == NULL
            || EVP_DigestInit_ex(ck->chunk_md, iam_s3_chunked_md(0), NULL)
               != 1)
        {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                       "SHA-256 init failed");
        }

        break;

    case IAM_S3_PAYLOAD_UNSIGNED:
        if (conf->refuse_unsigned) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_UNSIGNED_REFUSED,
                                       "UNSIGNED-PAYLOAD is refused here");
        }

        break;

    case IAM_S3_PAYLOAD_UNSIGNED_TRAILER:
        if (conf->refuse_unsigned) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_UNSIGNED_REFUSED,
                                       "STREAMING-UNSIGNED-PAYLOAD-TRAILER "
                                       "is refused here");
        }

        /* fall through */

    case IAM_S3_PAYLOAD_STREAMING:
    case IAM_S3_PAYLOAD_STREAMING_TRAILER:

        if (!conf->decoded_length.data) {
            return iam_s3_chunked_fail(ck,
                                    IAM_S3_CHUNKED_ERR_DECODED_LENGTH_MISSING,
                                    "no x-amz-decoded-content-length");
        }

        if (iam_s3_chunked_length(conf->decoded_length, &ck->decoded_length)
            != IAM_OK)
        {
            return iam_s3_chunked_fail(ck,
                                    IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID,
                                    "x-amz-decoded-content-length is not "
                                    "a number");
        }

        ck->trailer = (ck->mode != IAM_S3_PAYLOAD_STREAMING);
        ck->signed_chunks = (ck->mode != IAM_S3_PAYLOAD_UNSIGNED_TRAILER);

        if (iam_s3_chunked_init_trailer(ck, conf) != IAM_OK) {
            return IAM_ERROR;
        }

        if (ck->signed_chunks) {
            if (iam_s3_chunked_init_signing(ck, conf) != IAM_OK) {
                return IAM_ERROR;
            }

            ck->chunk_md = EVP_MD_CTX_new();

            if (ck->chunk_md == NULL
                || EVP_DigestInit_ex(ck->chunk_md, iam_s3_chunked_md(0), NULL)
                   != 1)
            {
                return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                           "SHA-256 init failed");
            }
        }

        break;

    default:
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_UNSUPPORTED,
                                   "this x-amz-content-sha256 is not "
                                   "supported");
    }

    if (ck->mode != IAM_S3_PAYLOAD_UNSIGNED_TRAILER
        && ck->mode != IAM_S3_PAYLOAD_STREAMING_TRAILER
        && conf->have_trailer)
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_UNEXPECTED,
                                   "x-amz-trailer without a trailer mode");
    }

    if (conf->checksum != IAM_S3_CHECKSUM_NONE) {
        if (ck->trailer) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_CHECKSUM_TWICE,
                                       "an x-amz-checksum- header and a "
                                       "trailer");
        }

        if (iam_s3_chunked_init_sum(ck, conf->checksum) != IAM_OK
            || iam_s3_chunked_expect_sum(ck, conf->checksum_value) != IAM_OK)
        {
            return IAM_ERROR;
        }
    }

    ck->state = IAM_S3_CK_SIZE;

    return IAM_OK;
}


/* the one checksum x-amz-trailer declares, and its digest */

static int
iam_s3_chunked_init_trailer(iam_s3_chunked_t *ck,
    const iam_s3_chunked_conf_t *conf)
{
    size_t      i;
    iam_str_t   v;
    const char *e;

    if (!conf->have_trailer) {
        return IAM_OK;
    }

    if (!ck->trailer) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_UNEXPECTED,
                                   "x-amz-trailer without a trailer mode");
    }

    v = conf->trailer;

    while (v.len && (v.data[0] == ' ' || v.data[0] == '\t')) {
        v.data++;
        v.len--;
    }

    e = v.data + v.len;

    while (v.len && (e[-1] == ' ' || e[-1] == '\t')) {
        e--;
        v.len--;
    }

    for (i = IAM_S3_CHECKSUM_CRC32; i <= IAM_S3_CHECKSUM_SHA256; i++) {
        if (iam_str_eq_icase(v, iam_s3_checksums[i].name)) {
            break;
        }
    }

    if (i > IAM_S3_CHECKSUM_SHA256) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_UNSUPPORTED,
                                   "x-amz-trailer names other than one "
                                   "x-amz-checksum-crc32, -crc32c, -sha1 or "
                                   "-sha256");
    }

    return iam_s3_chunked_init_sum(ck, (iam_s3_checksum_e) i);
}


/* the checksum of the object to compute: CRCs start at 0, SHAs by EVP */

static int
iam_s3_chunked_init_sum(iam_s3_chunked_t *ck, iam_s3_checksum_e checksum)
{
    ck->checksum = checksum;
    ck->checksum_name = iam_s3_checksums[checksum].name;
    ck->crc = 0;

    if (checksum != IAM_S3_CHECKSUM_SHA1 && checksum != IAM_S3_CHECKSUM_SHA256)
    {
        return IAM_OK;
    }

    ck->body_md = EVP_MD_CTX_new();

    if (ck->body_md == NULL
        || EVP_DigestInit_ex(ck->body_md,
                             iam_s3_chunked_md(checksum
                                               == IAM_S3_CHECKSUM_SHA1),
                             NULL)
           != 1)
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "digest init failed");
    }

    return IAM_OK;
}


/* the claimed checksum: base64 of the algorithm's size, kept to compare */

static int
iam_s3_chunked_expect_sum(iam_s3_chunked_t *ck, iam_str_t value)
{
    int            n;
    unsigned char  bin[48];

    n = -1;

    if (value.len == iam_s3_checksums[ck->checksum].b64_len) {
        n = EVP_DecodeBlock(bin, (const unsigned char *) value.data,
                            (int) value.len);
    }

    if (n < 0) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_CHECKSUM_INVALID,
                                   "the checksum is not base64 of the right "
                                   "length");
    }

    memcpy(ck->expected, value.data, value.len);
    ck->expected_len = value.len;
    ck->have_checksum = 1;

    return IAM_OK;
}


iam_s3_checksum_e
iam_s3_checksum_header(iam_str_t name)
{
    size_t  i;

    for (i = IAM_S3_CHECKSUM_CRC32; i <= IAM_S3_CHECKSUM_SHA256; i++) {
        if (iam_str_eq_icase(name, iam_s3_checksums[i].name)) {
            return (iam_s3_checksum_e) i;
        }
    }

    return IAM_S3_CHECKSUM_NONE;
}


/* the seed: timestamp, scope and signature of the verified request */

static int
iam_s3_chunked_init_signing(iam_s3_chunked_t *ck,
    const iam_s3_chunked_conf_t *conf)
{
    unsigned char             buf[32];
    const unsigned char      *key;
    const iam_sigv4_auth_t   *auth;
    iam_sigv4_cache_entry_t  *entry;

    auth = conf->auth;

    if (auth == NULL || auth->signature.len != IAM_SIGV4_HEX_LEN
        || auth->date.len != sizeof(ck->date) - 1
        || auth->scope.len > sizeof(ck->scope))
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "signed streaming without a verified "
                                   "SigV4 seed");
    }

    key = iam_sigv4_signing_key(auth, conf->secret, conf->cache, buf,
                                &entry);

    if (key == NULL) {
        OPENSSL_cleanse(buf, sizeof(buf));
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "signing key derivation failed");
    }

    memcpy(ck->key, key, sizeof(ck->key));
    OPENSSL_cleanse(buf, sizeof(buf));

    memcpy(ck->date, auth->date.data, auth->date.len);
    ck->date[auth->date.len] = '\0';
    memcpy(ck->scope, auth->scope.data, auth->scope.len);
    ck->scope_len = auth->scope.len;
    memcpy(ck->prev_sig, auth->signature.data, IAM_SIGV4_HEX_LEN);

    return IAM_OK;
}


int
iam_s3_chunked_feed(iam_s3_chunked_t *ck, const void *data, size_t len)
{
    size_t       n;
    ssize_t      used;
    const char  *p, *end;

    if (ck->state == IAM_S3_CK_FAILED) {
        return IAM_ERROR;
    }

    p = data;
    end = p + len;

    switch (ck->mode) {

    case IAM_S3_PAYLOAD_UNSIGNED:
    case IAM_S3_PAYLOAD_SHA256:
        if (len == 0) {
            return IAM_OK;
        }

        if (ck->mode == IAM_S3_PAYLOAD_SHA256
            && EVP_DigestUpdate(ck->chunk_md, p, len) != 1)
        {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                       "SHA-256 failed");
        }

        if (iam_s3_chunked_sum(ck, p, len) != IAM_OK) {
            return IAM_ERROR;
        }

        ck->decoded += len;

        if (len && ck->output && ck->output(ck->output_data, p, len) != IAM_OK)
        {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                       "output failed");
        }

        return IAM_OK;

    default:
        break;
    }

    while (p < end) {

        switch (ck->state) {

        case IAM_S3_CK_SIZE:
        case IAM_S3_CK_END:
        case IAM_S3_CK_TRAILER:
            used = iam_s3_chunked_line(ck, p, end);

            if (used < 0) {
                return IAM_ERROR;
            }

            p += used;
            break;

        case IAM_S3_CK_DATA:
            n = (size_t) ((uint64_t) (end - p) < ck->chunk_left
                          ? (uint64_t) (end - p) : ck->chunk_left);

            if (iam_s3_chunked_data(ck, p, n) != IAM_OK) {
                return IAM_ERROR;
            }

            p += n;
            break;

        case IAM_S3_CK_DATA_CR:
            if (*p++ != '\r') {
                return iam_s3_chunked_fail(ck,
                                           IAM_S3_CHUNKED_ERR_CRLF_MISSING,
                                           "no CRLF after the chunk data");
            }

            ck->state = IAM_S3_CK_DATA_LF;
            break;

        case IAM_S3_CK_DATA_LF:
            if (*p++ != '\n') {
                return iam_s3_chunked_fail(ck,
                                           IAM_S3_CHUNKED_ERR_CRLF_MISSING,
                                           "no CRLF after the chunk data");
            }

            ck->state = IAM_S3_CK_SIZE;
            break;

        default: /* IAM_S3_CK_DONE */
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_DATA_AFTER_END,
                                       "bytes after the end of the "
                                       "aws-chunked body");
        }
    }

    return IAM_OK;
}


int
iam_s3_chunked_finish(iam_s3_chunked_t *ck)
{
    unsigned int   n;
    unsigned char  md[EVP_MAX_MD_SIZE];
    char           hex[2 * EVP_MAX_MD_SIZE + 1];

    if (ck->state == IAM_S3_CK_FAILED) {
        return IAM_ERROR;
    }

    switch (ck->mode) {

    case IAM_S3_PAYLOAD_UNSIGNED:
        break;

    case IAM_S3_PAYLOAD_SHA256:
        if (EVP_DigestFinal_ex(ck->chunk_md, md, &n) != 1 || n != 32) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                       "SHA-256 failed");
        }

        iam_sigv4_hex_encode(hex, md, n);

        if (CRYPTO_memcmp(hex, ck->payload_hash, IAM_SIGV4_HEX_LEN) != 0) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_SHA256_MISMATCH,
                                       "the body does not hash to "
                                       "x-amz-content-sha256");
        }

        break;

    default:
        if (ck->state != IAM_S3_CK_DONE) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRUNCATED,
                                       ck->final
                                       ? "the body ended in the trailer"
                                       : ck->state == IAM_S3_CK_DATA
                                         ? "the body ended inside a chunk"
                                         : "the body ended before its final "
                                           "zero-length chunk");
        }

        /* a trailer's checksum was checked at the trailer's end */
        if (ck->trailer) {
            return IAM_OK;
        }
    }

    ck->state = IAM_S3_CK_DONE;

    if (ck->have_checksum) {
        return iam_s3_chunked_check_sum(ck);
    }

    return IAM_OK;
}


void
iam_s3_chunked_cleanup(iam_s3_chunked_t *ck)
{
    EVP_MD_CTX_free(ck->chunk_md);
    EVP_MD_CTX_free(ck->body_md);
    ck->chunk_md = NULL;
    ck->body_md = NULL;

    OPENSSL_cleanse(ck->key, sizeof(ck->key));
}


static int
iam_s3_chunked_fail(iam_s3_chunked_t *ck, iam_s3_chunked_err_t err,
    const char *detail)
{
    ck->state = IAM_S3_CK_FAILED;
    ck->error = err;
    ck->detail = detail;

    return IAM_ERROR;
}


static int
iam_s3_chunked_length(iam_str_t s, uint64_t *value)
{
    size_t    i;
    uint64_t  v;

    if (s.len == 0 || s.len > 20) {
        return IAM_ERROR;
    }

    v = 0;

    for (i = 0; i < s.len; i++) {
        if (s.data[i] < '0' || s.data[i] > '9') {
            return IAM_ERROR;
        }

        if (v > (UINT64_MAX - (uint64_t) (s.data[i] - '0')) / 10) {
            return IAM_ERROR;
        }

        v = v * 10 + (uint64_t) (s.data[i] - '0');
    }

    *value = v;

    return IAM_OK;
}


/*
 * Gathers one CRLF-terminated line into ck->line and hands it on.  Returns
 * the bytes used, or -1 on error.
 */

static ssize_t
iam_s3_chunked_line(iam_s3_chunked_t *ck, const char *p, const char *end)
{
    int          rc;
    size_t       n, room;
    const char  *lf;

    lf = memchr(p, '\n', end - p);
    n = (lf ? lf : end) - p;
    room = sizeof(ck->line) - ck->line_len;

    if (n > room) {
        if (ck->state == IAM_S3_CK_SIZE) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_LINE_TOO_LONG,
                                       "a chunk header longer than 128 "
                                       "bytes");
        }

        return iam_s3_chunked_fail(ck,
                                   ck->state == IAM_S3_CK_END
                                   ? IAM_S3_CHUNKED_ERR_DATA_AFTER_END
                                   : IAM_S3_CHUNKED_ERR_TRAILER_MALFORMED,
                                   ck->state == IAM_S3_CK_END
                                   ? "bytes after the final chunk"
                                   : "a trailing header longer than 128 "
                                     "bytes");
    }

    memcpy(ck->line + ck->line_len, p, n);
    ck->line_len += n;

    if (lf == NULL) {
        return n;
    }

    if (ck->line_len == 0 || ck->line[ck->line_len - 1] != '\r') {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_CRLF_MISSING,
                                   ck->state == IAM_S3_CK_SIZE
                                   ? "a chunk header ends in LF, not CRLF"
                                   : "a line ends in LF, not CRLF");
    }

    ck->line_len--;

    switch (ck->state) {

    case IAM_S3_CK_SIZE:
        rc = iam_s3_chunked_header(ck);
        break;

    case IAM_S3_CK_END:
        if (ck->line_len != 0) {
            rc = iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_DATA_AFTER_END,
                                     "a line after the final chunk");
            break;
        }

        ck->state = IAM_S3_CK_DONE;
        rc = IAM_OK;
        break;

    default: /* IAM_S3_CK_TRAILER */
        rc = (ck->line_len == 0) ? iam_s3_chunked_trailer_end(ck)
                                 : iam_s3_chunked_trailer_line(ck);
        break;
    }

    ck->line_len = 0;

    return rc == IAM_OK ? (ssize_t) n + 1 : -1;
}


/* "hex-size" [ ";chunk-signature=" 64 hex ] */

static int
iam_s3_chunked_header(iam_s3_chunked_t *ck)
{
    int          v;
    size_t       digits;
    uint64_t     size;
    const char  *p, *end, *ext;

    static const char  name[] = "chunk-signature=";

    p = ck->line;
    end = p + ck->line_len;
    size = 0;
    digits = 0;

    while (p < end && (v = iam_hex_value(*p)) >= 0) {
        if (size > (UINT64_MAX >> 4)) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_SIZE_OVERFLOW,
                                       "a chunk size beyond 64 bits");
        }

        size = (size << 4) | (uint64_t) v;
        digits++;
        p++;
    }

    if (digits == 0 || (p < end && *p != ';')) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_SIZE_INVALID,
                                   digits ? "garbage after the chunk size"
                                          : "a chunk size that is not hex");
    }

    ext = (p < end) ? p + 1 : NULL;

    if (ext && (end - ext < (ssize_t) sizeof(name) - 1
                || memcmp(ext, name, sizeof(name) - 1) != 0
                || memchr(ext, ';', end - ext) != NULL))
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_EXTENSION,
                                   "a chunk extension other than "
                                   "chunk-signature");
    }

    if (ck->signed_chunks) {
        if (ext == NULL) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_SIGNATURE_MISSING,
                                       "a chunk without chunk-signature");
        }

        ext += sizeof(name) - 1;

        if (!iam_s3_chunked_is_sig(ext, end - ext)) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_SIGNATURE_MALFORMED,
                                       "a chunk-signature that is not 64 "
                                       "lowercase hex digits");
        }

        memcpy(ck->chunk_sig, ext, IAM_SIGV4_HEX_LEN);

    } else if (ext) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_EXTENSION,
                                   "a chunk-signature in an unsigned "
                                   "payload");
    }

    /* many tiny signed chunks would cost an HMAC each: S3 refuses them */

    if (ck->short_chunk && size != 0) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_CHUNK_TOO_SMALL,
                                   "a signed chunk under 8192 bytes before "
                                   "the last one");
    }

    if (ck->signed_chunks && size < IAM_S3_CHUNKED_MIN_SIGNED) {
        ck->short_chunk = 1;
    }

    ck->chunks++;

    if (size == 0) {
        ck->final = 1;

        if (ck->signed_chunks && iam_s3_chunked_chunk_end(ck) != IAM_OK) {
            return IAM_ERROR;
        }

        if (ck->decoded != ck->decoded_length) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_DECODED_LENGTH_SHORT,
                                       "fewer bytes than "
                                       "x-amz-decoded-content-length");
        }

        ck->state = ck->trailer ? IAM_S3_CK_TRAILER : IAM_S3_CK_END;

        return IAM_OK;
    }

    if (size > ck->decoded_length - ck->decoded) {
        return iam_s3_chunked_fail(ck,
                                   IAM_S3_CHUNKED_ERR_DECODED_LENGTH_EXCEEDED,
                                   "a chunk beyond "
                                   "x-amz-decoded-content-length");
    }

    ck->chunk_left = size;
    ck->state = IAM_S3_CK_DATA;

    return IAM_OK;
}


static int
iam_s3_chunked_data(iam_s3_chunked_t *ck, const char *p, size_t n)
{
    if (ck->signed_chunks && EVP_DigestUpdate(ck->chunk_md, p, n) != 1) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "SHA-256 failed");
    }

    if (iam_s3_chunked_sum(ck, p, n) != IAM_OK) {
        return IAM_ERROR;
    }

    if (ck->output && ck->output(ck->output_data, p, n) != IAM_OK) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "output failed");
    }

    ck->decoded += n;
    ck->chunk_left -= n;

    if (ck->chunk_left == 0) {
        if (ck->signed_chunks && iam_s3_chunked_chunk_end(ck) != IAM_OK) {
            return IAM_ERROR;
        }

        ck->state = IAM_S3_CK_DATA_CR;
    }

    return IAM_OK;
}


/* the object's checksum, as its bytes pass */

static int
iam_s3_chunked_sum(iam_s3_chunked_t *ck, const char *p, size_t n)
{
    switch (ck->checksum) {

    case IAM_S3_CHECKSUM_CRC32:
        ck->crc = (uint32_t) crc32_z(ck->crc, (const Bytef *) p, n);
        break;

    case IAM_S3_CHECKSUM_CRC32C:
        ck->crc = iam_s3_crc32c(ck->crc, (const unsigned char *) p, n);
        break;

    case IAM_S3_CHECKSUM_SHA1:
    case IAM_S3_CHECKSUM_SHA256:
        if (EVP_DigestUpdate(ck->body_md, p, n) != 1) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                       "digest failed");
        }

        break;

    default:
        break;
    }

    return IAM_OK;
}


static int
iam_s3_chunked_check_sum(iam_s3_chunked_t *ck)
{
    size_t  n;
    char    b64[64];

    n = iam_s3_chunked_digest_b64(ck, b64);

    if (n == 0) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "digest failed");
    }

    if (n != ck->expected_len || memcmp(b64, ck->expected, n) != 0) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH,
                                   ck->trailer
                                   ? "the body does not match its trailing "
                                     "checksum"
                                   : "the body does not match its "
                                     "x-amz-checksum- header");
    }

    return IAM_OK;
}


/* the chunk's signature, chained from the previous one */

static int
iam_s3_chunked_chunk_end(iam_s3_chunked_t *ck)
{
    unsigned int   n;
    unsigned char  md[32];
    char           hash[IAM_SIGV4_HEX_LEN + 1], sig[IAM_SIGV4_HEX_LEN + 1];

    if (EVP_DigestFinal_ex(ck->chunk_md, md, &n) != 1 || n != 32
        || EVP_DigestInit_ex(ck->chunk_md, NULL, NULL) != 1)
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "SHA-256 failed");
    }

    iam_sigv4_hex_encode(hash, md, 32);

    if (iam_s3_chunked_sign(ck, 0, hash, sig) != IAM_OK) {
        return IAM_ERROR;
    }

    if (CRYPTO_memcmp(sig, ck->chunk_sig, IAM_SIGV4_HEX_LEN) != 0) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH,
                                   ck->final
                                   ? "the final chunk's signature does not "
                                     "match"
                                   : "a chunk's signature does not match");
    }

    memcpy(ck->prev_sig, ck->chunk_sig, IAM_SIGV4_HEX_LEN);

    return IAM_OK;
}


/*
 * algorithm, timestamp, scope, previous signature, then for a chunk the
 * empty string's hash (of chunk headers that AWS never defined) and the
 * data's hash, for a trailer the hash of its canonical headers.
 */

static int
iam_s3_chunked_sign(iam_s3_chunked_t *ck, int trailer, const char *hash,
    char *hex)
{
    char           *p;
    unsigned char   mac[32];
    char            sts[sizeof("AWS4-HMAC-SHA256-TRAILER\n") + 17
                        + IAM_S3_CHUNKED_MAX_SCOPE
                        + 3 * (IAM_SIGV4_HEX_LEN + 1)];

    p = sts;

    if (trailer) {
        memcpy(p, "AWS4-HMAC-SHA256-TRAILER\n", 25);
        p += 25;

    } else {
        memcpy(p, "AWS4-HMAC-SHA256-PAYLOAD\n", 25);
        p += 25;
    }

    memcpy(p, ck->date, sizeof(ck->date) - 1);
    p += sizeof(ck->date) - 1;
    *p++ = '\n';
    memcpy(p, ck->scope, ck->scope_len);
    p += ck->scope_len;
    *p++ = '\n';
    memcpy(p, ck->prev_sig, IAM_SIGV4_HEX_LEN);
    p += IAM_SIGV4_HEX_LEN;
    *p++ = '\n';

    if (!trailer) {
        memcpy(p, IAM_SIGV4_EMPTY_SHA256 "\n", IAM_SIGV4_HEX_LEN + 1);
        p += IAM_SIGV4_HEX_LEN + 1;
    }

    memcpy(p, hash, IAM_SIGV4_HEX_LEN);
    p += IAM_SIGV4_HEX_LEN;

    if (iam_sigv4_hmac(ck->key, sizeof(ck->key), sts, p - sts, mac)
        != IAM_OK)
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                   "HMAC failed");
    }

    iam_sigv4_hex_encode(hex, mac, sizeof(mac));
    OPENSSL_cleanse(mac, sizeof(mac));

    return IAM_OK;
}


/* "name:value", the declared checksum or the trailer's signature */

static int
iam_s3_chunked_trailer_line(iam_s3_chunked_t *ck)
{
    iam_str_t     name, value;
    const char   *p, *end, *colon;

    static const iam_str_t  sig_name = iam_string("x-amz-trailer-signature");

    p = ck->line;
    end = p + ck->line_len;

    colon = memchr(p, ':', ck->line_len);

    if (colon == NULL || colon == p) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_MALFORMED,
                                   "a trailing header without a name and "
                                   "':'");
    }

    name.data = p;
    name.len = colon - p;

    for (p = colon + 1; p < end && (*p == ' ' || *p == '\t'); p++) {
        /* void */
    }

    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }

    value.data = p;
    value.len = end - p;

    if (iam_str_eq_icase(name, sig_name)) {
        if (!ck->signed_chunks) {
            return iam_s3_chunked_fail(ck,
                               IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_UNEXPECTED,
                               "x-amz-trailer-signature in an unsigned "
                               "payload");
        }

        if (ck->have_trailer_sig) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_TRAILER_DUPLICATE,
                                       "x-amz-trailer-signature twice");
        }

        if (!iam_s3_chunked_is_sig(value.data, value.len)) {
            return iam_s3_chunked_fail(ck,
                                       IAM_S3_CHUNKED_ERR_SIGNATURE_MALFORMED,
                                       "an x-amz-trailer-signature that is "
                                       "not 64 lowercase hex digits");
        }

        memcpy(ck->trailer_sig, value.data, IAM_SIGV4_HEX_LEN);
        ck->have_trailer_sig = 1;

        return IAM_OK;
    }

    if (ck->checksum == IAM_S3_CHECKSUM_NONE
        || !iam_str_eq_icase(name, ck->checksum_name))
    {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_NOT_DECLARED,
                                   "a trailing header that x-amz-trailer "
                                   "did not declare");
    }

    if (ck->have_checksum) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_DUPLICATE,
                                   "the trailing checksum twice");
    }

    if (ck->have_trailer_sig) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_MALFORMED,
                                   "a trailing header after the trailer "
                                   "signature");
    }

    return iam_s3_chunked_expect_sum(ck, value);
}


/* the empty line: the trailer is complete, check it */

static int
iam_s3_chunked_trailer_end(iam_s3_chunked_t *ck)
{
    char    *p;
    char     canon[sizeof("x-amz-checksum-sha256:\n") + IAM_SIGV4_HEX_LEN];
    char     hash[IAM_SIGV4_HEX_LEN + 1], sig[IAM_SIGV4_HEX_LEN + 1];

    if (ck->checksum != IAM_S3_CHECKSUM_NONE && !ck->have_checksum) {
        return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_TRAILER_MISSING,
                                   "the checksum declared by x-amz-trailer "
                                   "is not in the trailer");
    }

    if (ck->signed_chunks) {
        if (!ck->have_trailer_sig) {
            return iam_s3_chunked_fail(ck,
                                 IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISSING,
                                 "no x-amz-trailer-signature");
        }

        /* the canonical trailer: "name:value\n" per header, lowercase */

        p = canon;

        if (ck->have_checksum) {
            memcpy(p, ck->checksum_name.data, ck->checksum_name.len);
            p += ck->checksum_name.len;
            *p++ = ':';
            memcpy(p, ck->expected, ck->expected_len);
            p += ck->expected_len;
            *p++ = '\n';
        }

        if (iam_sigv4_sha256_hex(canon, p - canon, hash) != IAM_OK) {
            return iam_s3_chunked_fail(ck, IAM_S3_CHUNKED_ERR_INTERNAL,
                                       "SHA-256 failed");
        }

        if (iam_s3_chunked_sign(ck, 1, hash, sig) != IAM_OK) {
            return IAM_ERROR;
        }

        if (CRYPTO_memcmp(sig, ck->trailer_sig, IAM_SIGV4_HEX_LEN) != 0) {
            return iam_s3_chunked_fail(ck,
                                IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISMATCH,
                                "the trailer signature does not match");
        }
    }

    if (ck->checksum != IAM_S3_CHECKSUM_NONE
        && iam_s3_chunked_check_sum(ck) != IAM_OK)
    {
        return IAM_ERROR;
    }

    ck->state = IAM_S3_CK_DONE;

    return IAM_OK;
}


static int
iam_s3_chunked_is_sig(const char *p, size_t len)
{
    size_t  i;

    if (len != IAM_SIGV4_HEX_LEN) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f'))) {
            return 0;
        }
    }

    return 1;
}


/* the body's checksum as x-amz-checksum-* carries it: base64, CRCs BE */

static size_t
iam_s3_chunked_digest_b64(iam_s3_chunked_t *ck, char *out)
{
    int            n;
    unsigned int   len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    switch (ck->checksum) {

    case IAM_S3_CHECKSUM_CRC32:
    case IAM_S3_CHECKSUM_CRC32C:
        md[0] = (unsigned char) (ck->crc >> 24);
        md[1] = (unsigned char) (ck->crc >> 16);
        md[2] = (unsigned char) (ck->crc >> 8);
        md[3] = (unsigned char) ck->crc;
        len = 4;
        break;

    case IAM_S3_CHECKSUM_SHA1:
    case IAM_S3_CHECKSUM_SHA256:
        if (EVP_DigestFinal_ex(ck->body_md, md, &len) != 1) {
            return 0;
        }

        break;

    default:
        return 0;
    }

    n = EVP_EncodeBlock((unsigned char *) out, md, (int) len);

    return n > 0 ? (size_t) n : 0;
}


/*
 * RFC 3720's CRC32C, chained as zlib's crc32(): start from 0.  The CPU's
 * own instruction where there is one (SSE 4.2: some 40 times the table's
 * speed, which would otherwise cap an upload near 200 MiB/s).
 */

uint32_t
iam_s3_crc32c(uint32_t crc, const unsigned char *p, size_t len)
{
#if (IAM_S3_CRC32C_SSE42)
    if (__builtin_cpu_supports("sse4.2")) {
        return iam_s3_crc32c_sse42(crc, p, len);
    }
#endif

    return iam_s3_crc32c_portable(crc, p, len);
}


uint32_t
iam_s3_crc32c_portable(uint32_t crc, const unsigned char *p, size_t len)
{
    crc = ~crc;

    while (len--) {
        crc = iam_s3_crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }

    return ~crc;
}


#if (IAM_S3_CRC32C_SSE42)

__attribute__((target("sse4.2")))
static uint32_t
iam_s3_crc32c_sse42(uint32_t crc, const unsigned char *p, size_t len)
{
    uint32_t  c;

#if defined(__x86_64__)
    uint64_t  c64, v;
#endif

    c = ~crc;

#if defined(__x86_64__)
    c64 = c;

    while (len >= 8) {
        memcpy(&v, p, 8);
        c64 = _mm_crc32_u64(c64, v);
        p += 8;
        len -= 8;
    }

    c = (uint32_t) c64;
#endif

    while (len--) {
        c = _mm_crc32_u8(c, *p++);
    }

    return ~c;
}

#endif


/* fetched once per thread: OpenSSL 3 looks names up under a lock */

static const EVP_MD *
iam_s3_chunked_md(int sha1)
{
    static __thread EVP_MD  *md[2];

    if (md[sha1] == NULL) {
        md[sha1] = EVP_MD_fetch(NULL, sha1 ? "SHA1" : "SHA256", NULL);
    }

    return md[sha1];
}
