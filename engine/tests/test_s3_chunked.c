/*
 * The aws-chunked decoder against AWS's own examples: "Transferring
 * Payload in Multiple Chunks" (66560 bytes of 'a' in a 64 KiB chunk, a
 * 1 KiB chunk and the final one, seed 4f232c43...) and "Including
 * Trailing Headers" (the same object, a CRC32C trailer, seed 106e2a8a...).
 *
 * The first example's seed is verified by iam_sigv4_verify() from the
 * documented request, then its body is fed in buffers of every size from
 * 1 byte to the whole body, and split in two at every offset near its
 * framing: the decoder must pass exactly the 66560 bytes and accept.  Then each
 * malformed or forged body, with the exact error expected.
 */

#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <iam/iam_sigv4.h>
#include <iam/iam_s3_chunked.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include "tap.h"
#include "../src/iam_s3_chunked_internal.h"


#define T_CLOCK          1369353600    /* 20130524T000000Z */
#define T_AKID           "AKIAIOSFODNN7EXAMPLE"
#define T_SECRET         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define T_SCOPE          "20130524/us-east-1/s3/aws4_request"
#define T_OBJECT         66560

#define T_SEED                                                                \
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define T_SIG1                                                                \
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define T_SIG2                                                                \
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define T_SIG3                                                                \
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"

#define T_TSEED                                                               \
    "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
#define T_TSIG1                                                               \
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
#define T_TSIG2                                                               \
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
#define T_TSIG3                                                               \
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"

/*
 * AWS's trailer example prints the chunk signatures b474d886 and 1c1344b1,
 * which the chain from its seed 106e2a8a reproduces; its final chunk
 * (b6c6ea8a, copied from the other example) and its trailer signature
 * (63bddb24) no chain reproduces.  The final chunk here is the chain's,
 * 2ca2aba2, and the trailer signature is computed from it with the string
 * to sign that reproduces aws-c-auth's own trailer vector (df5735bd... for
 * "first:1st\nsecond:2nd\nthird:3rd\n" after b6c6ea8a).
 */
#define T_TRAILER_SIG                                                         \
    "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"

/* checksums of 66560 'a', from AWS's example (CRC32C) and Python's */
#define T_CRC32C         "sOO8/Q=="
#define T_CRC32          "sK4Y7A=="
#define T_SHA1           "qOlv5ixdz2jRNhlSLmgH6iaTKRI="
#define T_SHA256         "zWnTiHxq+SZLEA17dgIzEzXZqn4718MM3G1vS/uzyIg="
#define T_SHA256_HEX                                                          \
    "cd69d3887c6af9264b100d7b7602331335d9aa7e3bd7c30cdc6d6f4bfbb3c888"


typedef struct {
    size_t                bytes;
    size_t                bad;
} t_sink_t;

typedef struct {
    char                 *data;
    size_t                len;
    size_t                size;
} t_body_t;


static void t_conf(iam_s3_chunked_conf_t *conf, const char *mode,
    const char *length, const char *trailer, const iam_sigv4_auth_t *a);
static void t_add(t_body_t *b, const char *s);
static void t_add_a(t_body_t *b, size_t n);
static void t_body_signed(t_body_t *b);
static void t_body_trailer(t_body_t *b);
static void t_body_unsigned(t_body_t *b, const char *trailer);
static int t_sink(void *data, const void *buf, size_t len);
static int t_run(iam_s3_chunked_conf_t *conf, const t_body_t *b,
    size_t step, t_sink_t *sink, iam_s3_chunked_err_t *err);
static void t_expect(const char *name, iam_s3_chunked_conf_t *conf,
    const t_body_t *b, iam_s3_chunked_err_t want);
static void t_replace(t_body_t *b, const char *from, const char *to);
static int t_near_framing(const t_body_t *b, size_t off, size_t dist);
static void t_seed(void);
static void t_signed_splits(void);
static void t_signed_trailer(void);
static void t_unsigned_trailer(void);
static void t_sha256(void);
static void t_signed_bad(void);
static void t_framing_bad(void);
static void t_trailer_bad(void);
static void t_headers_bad(void);
static void t_errors(void);
static void t_crc32c(void);
static void t_mutations(void);
static void t_chunk_sizes(void);
static void t_checksum_header(void);
static void t_sign_chunk(const char *prev, const char *data, size_t len,
    char *sig);
static void t_add_signed(t_body_t *b, char *prev, size_t n);


static char                 scratch_mem[256 * 1024];
static iam_sigv4_scratch_t  scratch;
static iam_sigv4_cache_t    cache;
static iam_sigv4_auth_t     auth;          /* the example's, verified */
static iam_sigv4_auth_t     tauth;         /* the trailer example's */
static iam_sigv4_conf_t     sconf;


int
main(void)
{
    iam_str_t  region = iam_string("us-east-1");
    iam_str_t  service = iam_string("s3");

    iam_sigv4_conf_init(&sconf, region, service);
    iam_sigv4_cache_init(&cache);

    t_seed();
    t_signed_splits();
    t_signed_trailer();
    t_unsigned_trailer();
    t_sha256();
    t_signed_bad();
    t_framing_bad();
    t_trailer_bad();
    t_headers_bad();
    t_errors();
    t_crc32c();
    t_mutations();
    t_chunk_sizes();
    t_checksum_header();

    return tap_done();
}


/* the documented request of the first example: its seed verifies */

static void
t_seed(void)
{
    iam_sigv4_request_t  req;

    static const iam_sigv4_header_t  headers[] = {
        { iam_string("Host"), iam_string("s3.amazonaws.com") },
        { iam_string("x-amz-date"), iam_string("20130524T000000Z") },
        { iam_string("x-amz-storage-class"),
          iam_string("REDUCED_REDUNDANCY") },
        { iam_string("Authorization"),
          iam_string("AWS4-HMAC-SHA256 Credential=" T_AKID "/" T_SCOPE ","
                     "SignedHeaders=content-encoding;content-length;host;"
                     "x-amz-content-sha256;x-amz-date;"
                     "x-amz-decoded-content-length;x-amz-storage-class,"
                     "Signature=" T_SEED) },
        { iam_string("x-amz-content-sha256"),
          iam_string(IAM_S3_STREAMING_SIGNED) },
        { iam_string("Content-Encoding"), iam_string("aws-chunked") },
        { iam_string("x-amz-decoded-content-length"), iam_string("66560") },
        { iam_string("Content-Length"), iam_string("66824") },
    };

    memset(&req, 0, sizeof(req));
    iam_str_set(&req.method, "PUT");
    iam_str_set(&req.path, "/examplebucket/chunkObject.txt");
    req.headers = headers;
    req.nheaders = sizeof(headers) / sizeof(headers[0]);
    req.now = T_CLOCK;
    scratch.pos = scratch_mem;
    scratch.end = scratch_mem + sizeof(scratch_mem);
    req.alloc = iam_sigv4_scratch_alloc;
    req.alloc_data = &scratch;

    ok(iam_sigv4_parse(&sconf, &req, &auth) == IAM_OK,
       "the example's streaming PUT parses");
    ok(iam_sigv4_verify(&sconf, &req, &auth, (iam_str_t) iam_string(T_SECRET),
                        &cache)
       == IAM_OK,
       "its seed signature 4f232c43... verifies");
    is_str(auth.detail ? auth.detail : "", "", "no detail");

    /* the trailer example: same key and scope, its own seed */
    tauth = auth;
    iam_str_set(&tauth.signature, T_TSEED);
}


static void
t_conf(iam_s3_chunked_conf_t *conf, const char *mode, const char *length,
    const char *trailer, const iam_sigv4_auth_t *a)
{
    memset(conf, 0, sizeof(iam_s3_chunked_conf_t));

    conf->content_sha256.data = mode;
    conf->content_sha256.len = strlen(mode);

    if (length) {
        conf->decoded_length.data = length;
        conf->decoded_length.len = strlen(length);
    }

    if (trailer) {
        conf->trailer.data = trailer;
        conf->trailer.len = strlen(trailer);
        conf->have_trailer = 1;
    }

    conf->auth = a;
    iam_str_set(&conf->secret, T_SECRET);
    conf->cache = &cache;
}


static void
t_signed_splits(void)
{
    size_t                 step, split, fails, bytes_bad, tested;
    t_body_t               b;
    t_sink_t               sink;
    iam_s3_chunked_t       ck;
    iam_s3_chunked_err_t   err;
    iam_s3_chunked_conf_t  conf;

    memset(&b, 0, sizeof(b));
    t_body_signed(&b);

    is_int(b.len, 66824, "the example's body is 66824 bytes, as documented");

    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);

    ok(t_run(&conf, &b, b.len, &sink, &err) == IAM_OK,
       "the example's body verifies in one buffer");
    is_int(sink.bytes, T_OBJECT, "66560 bytes decoded");
    is_int(sink.bad, 0, "all of them 'a'");

    fails = 0;
    bytes_bad = 0;

    for (step = 1; step <= b.len; step++) {
        if (t_run(&conf, &b, step, &sink, &err) != IAM_OK) {
            if (fails++ == 0) {
                printf("# buffers of %zu bytes: error %d\n", step, (int) err);
            }
        }

        if (sink.bytes != T_OBJECT || sink.bad) {
            bytes_bad++;
        }
    }

    is_int(fails, 0, "fed in buffers of every size 1..66824: all verify");
    is_int(bytes_bad, 0, "and every one decodes the 66560 bytes exactly");

    fails = 0;
    bytes_bad = 0;
    tested = 0;

    for (split = 0; split <= b.len; split++) {
        if (!t_near_framing(&b, split, 100)) {
            continue;
        }

        tested++;
        memset(&sink, 0, sizeof(sink));
        conf.output = t_sink;
        conf.output_data = &sink;

        if (iam_s3_chunked_init(&ck, &conf) != IAM_OK
            || iam_s3_chunked_feed(&ck, b.data, split) != IAM_OK
            || iam_s3_chunked_feed(&ck, b.data + split, b.len - split)
               != IAM_OK
            || iam_s3_chunked_finish(&ck) != IAM_OK)
        {
            fails++;
        }

        iam_s3_chunked_cleanup(&ck);

        if (sink.bytes != T_OBJECT || sink.bad) {
            bytes_bad++;
        }
    }

    ok(tested > 600, "%zu offsets near the framing tried", tested);
    is_int(fails, 0, "split in two at each of them: all verify");
    is_int(bytes_bad, 0, "and decode the 66560 bytes");

    free(b.data);
}


static void
t_signed_trailer(void)
{
    size_t                 step, fails;
    t_body_t               b;
    t_sink_t               sink;
    iam_s3_chunked_err_t   err;
    iam_s3_chunked_conf_t  conf;

    memset(&b, 0, sizeof(b));
    t_body_trailer(&b);

    t_conf(&conf, IAM_S3_STREAMING_SIGNED_TRAILER, "66560",
           "x-amz-checksum-crc32c", &tauth);

    if (!ok(t_run(&conf, &b, b.len, &sink, &err) == IAM_OK,
            "the trailer example verifies: chunks, CRC32C sOO8/Q==, trailer "
            "signature d81f82fc..."))
    {
        printf("#   error %d\n", (int) err);
    }
    is_int(sink.bytes, T_OBJECT, "66560 bytes decoded");

    fails = 0;

    for (step = 1; step <= 4096; step++) {
        if (t_run(&conf, &b, step, &sink, &err) != IAM_OK) {
            fails++;
        }
    }

    is_int(fails, 0, "the trailer example in buffers of 1..4096 bytes");

    t_conf(&conf, IAM_S3_STREAMING_SIGNED_TRAILER, "66560",
           " X-Amz-Checksum-CRC32C ", &tauth);

    ok(t_run(&conf, &b, 1000, &sink, &err) == IAM_OK,
       "x-amz-trailer is read case-insensitively, spaces trimmed");

    free(b.data);
}


static void
t_unsigned_trailer(void)
{
    size_t                 i, step, fails;
    t_body_t               b;
    t_sink_t               sink;
    iam_s3_chunked_err_t   err;
    iam_s3_chunked_conf_t  conf;

    static const struct {
        const char  *name;
        const char  *value;
    } sums[] = {
        { "x-amz-checksum-crc32", T_CRC32 },
        { "x-amz-checksum-crc32c", T_CRC32C },
        { "x-amz-checksum-sha1", T_SHA1 },
        { "x-amz-checksum-sha256", T_SHA256 },
    };

    char  line[128];

    for (i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
        memset(&b, 0, sizeof(b));
        snprintf(line, sizeof(line), "%s:%s\r\n\r\n", sums[i].name,
                 sums[i].value);
        t_body_unsigned(&b, line);

        t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "66560",
               sums[i].name, NULL);

        fails = 0;

        for (step = 1; step <= 700; step += 3) {
            if (t_run(&conf, &b, step, &sink, &err) != IAM_OK
                || sink.bytes != T_OBJECT)
            {
                fails++;
            }
        }

        is_int(fails, 0, "unsigned trailer %s:%s verifies, any split",
               sums[i].name, sums[i].value);

        free(b.data);
    }

    /* the CRC32C check value of RFC 3720: "123456789" -> 0xe3069283 */
    memset(&b, 0, sizeof(b));
    t_add(&b, "9\r\n123456789\r\n0\r\nx-amz-checksum-crc32c:4waSgw==\r\n\r\n");
    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "9",
           "x-amz-checksum-crc32c", NULL);
    ok(t_run(&conf, &b, 1, &sink, &err) == IAM_OK,
       "CRC32C of \"123456789\" is 0xe3069283");
    free(b.data);

    /* the JS SDK v3's shape: one chunk per stream buffer, CRC32 */
    memset(&b, 0, sizeof(b));
    t_add(&b, "5\r\nhello\r\n6\r\n world\r\n0\r\n"
              "x-amz-checksum-crc32:DUoRhQ==\r\n\r\n");
    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "11",
           "x-amz-checksum-crc32", NULL);
    ok(t_run(&conf, &b, 7, &sink, &err) == IAM_OK,
       "\"hello world\" with its CRC32 DUoRhQ==");
    free(b.data);

    /* an empty object */
    memset(&b, 0, sizeof(b));
    t_add(&b, "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "0",
           "x-amz-checksum-crc32", NULL);
    ok(t_run(&conf, &b, 3, &sink, &err) == IAM_OK && sink.bytes == 0,
       "an empty object, CRC32 AAAAAA==");
    free(b.data);

    /* no trailer declared: the trailer section is empty */
    memset(&b, 0, sizeof(b));
    t_add(&b, "3\r\nabc\r\n0\r\n\r\n");
    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "3", NULL, NULL);
    ok(t_run(&conf, &b, 2, &sink, &err) == IAM_OK,
       "no x-amz-trailer, no trailing headers");
    free(b.data);
}


static void
t_sha256(void)
{
    t_body_t               b;
    t_sink_t               sink;
    iam_s3_chunked_err_t   err;
    iam_s3_chunked_conf_t  conf;

    memset(&b, 0, sizeof(b));
    t_add_a(&b, T_OBJECT);

    t_conf(&conf, T_SHA256_HEX, NULL, NULL, NULL);
    ok(t_run(&conf, &b, 777, &sink, &err) == IAM_OK,
       "a body that hashes to x-amz-content-sha256");

    t_conf(&conf, "CD69D3887C6AF9264B100D7B7602331335D9AA7E3BD7C30CDC6D6F4BFBB3"
                  "C888", NULL, NULL, NULL);
    ok(t_run(&conf, &b, 4096, &sink, &err) == IAM_OK,
       "the hash compares case-insensitively");

    b.data[5000] = 'b';
    t_conf(&conf, T_SHA256_HEX, NULL, NULL, NULL);
    t_expect("one byte changed", &conf, &b,
             IAM_S3_CHUNKED_ERR_SHA256_MISMATCH);

    b.len--;
    b.data[5000] = 'a';
    t_expect("one byte short", &conf, &b, IAM_S3_CHUNKED_ERR_SHA256_MISMATCH);

    t_conf(&conf, IAM_SIGV4_EMPTY_SHA256, NULL, NULL, NULL);
    b.len = 0;
    ok(t_run(&conf, &b, 1, &sink, &err) == IAM_OK, "an empty body");

    t_conf(&conf, IAM_SIGV4_UNSIGNED_PAYLOAD, NULL, NULL, NULL);
    b.len = 100;
    ok(t_run(&conf, &b, 1, &sink, &err) == IAM_OK && sink.bytes == 100,
       "UNSIGNED-PAYLOAD passes the body as it is");

    conf.refuse_unsigned = 1;
    t_expect("UNSIGNED-PAYLOAD where refused", &conf, &b,
             IAM_S3_CHUNKED_ERR_UNSIGNED_REFUSED);

    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "100", NULL, NULL);
    conf.refuse_unsigned = 1;
    t_expect("STREAMING-UNSIGNED-PAYLOAD-TRAILER where unsigned is refused",
             &conf, &b, IAM_S3_CHUNKED_ERR_UNSIGNED_REFUSED);

    free(b.data);
}


/* forged signed bodies: each must fail where it goes wrong */

static void
t_signed_bad(void)
{
    t_body_t               b, c;
    iam_s3_chunked_conf_t  conf;

    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);

    memset(&b, 0, sizeof(b));
    t_body_signed(&b);
    b.data[200] = 'b';
    t_expect("a tampered byte in the first chunk", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);
    free(b.data);

    memset(&b, 0, sizeof(b));
    t_body_signed(&b);
    b.data[b.len - 100] = 'b';
    t_expect("a tampered byte in the second chunk", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);
    free(b.data);

    /* the 1 KiB chunk first, then the 64 KiB one */
    memset(&b, 0, sizeof(b));
    t_add(&b, "400;chunk-signature=" T_SIG2 "\r\n");
    t_add_a(&b, 1024);
    t_add(&b, "\r\n10000;chunk-signature=" T_SIG1 "\r\n");
    t_add_a(&b, 65536);
    t_add(&b, "\r\n0;chunk-signature=" T_SIG3 "\r\n\r\n");
    t_expect("chunks reordered", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);
    free(b.data);

    /* the first chunk sent twice, as a replay would */
    memset(&b, 0, sizeof(b));
    t_add(&b, "400;chunk-signature=" T_SIG2 "\r\n");
    t_add_a(&b, 1024);
    t_add(&b, "\r\n");
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);
    t_expect("a chunk out of its place in the chain", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);
    free(b.data);

    memset(&b, 0, sizeof(b));
    t_add(&b, "10000;chunk-signature=" T_SIG1 "\r\n");
    t_add_a(&b, 65536);
    t_add(&b, "\r\n10000;chunk-signature=" T_SIG1 "\r\n");
    t_add_a(&b, 65536);
    t_add(&b, "\r\n");
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "131072", NULL, &auth);
    t_expect("the first chunk replayed", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);
    free(b.data);

    /* the final chunk's signature matters too */
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);
    memset(&b, 0, sizeof(b));
    t_body_signed(&b);
    t_replace(&b, "0;chunk-signature=" T_SIG3,
                  "0;chunk-signature=" T_SIG2);
    t_expect("a forged final chunk", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);
    free(b.data);

    /* missing final chunk: the body just stops */
    memset(&b, 0, sizeof(b));
    t_body_signed(&b);
    b.len -= strlen("0;chunk-signature=" T_SIG3 "\r\n\r\n");
    t_expect("no final chunk", &conf, &b, IAM_S3_CHUNKED_ERR_TRUNCATED);
    b.len = 40000;
    t_expect("cut inside a chunk", &conf, &b, IAM_S3_CHUNKED_ERR_TRUNCATED);
    b.len = 30;
    t_expect("cut inside a chunk header", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRUNCATED);
    free(b.data);

    memset(&b, 0, sizeof(b));
    t_body_signed(&b);
    b.len -= 2;
    t_expect("no empty line after the final chunk", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRUNCATED);
    free(b.data);

    /* a lying x-amz-decoded-content-length, either way */
    memset(&b, 0, sizeof(b));
    t_body_signed(&b);
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66561", NULL, &auth);
    t_expect("x-amz-decoded-content-length one too many", &conf, &b,
             IAM_S3_CHUNKED_ERR_DECODED_LENGTH_SHORT);
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66559", NULL, &auth);
    t_expect("x-amz-decoded-content-length one too few", &conf, &b,
             IAM_S3_CHUNKED_ERR_DECODED_LENGTH_EXCEEDED);
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "1024", NULL, &auth);
    t_expect("x-amz-decoded-content-length smaller than the first chunk",
             &conf, &b, IAM_S3_CHUNKED_ERR_DECODED_LENGTH_EXCEEDED);

    /* the seed of another request */
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &tauth);
    t_expect("chunks chained from another seed", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);

    /* signatures malformed or absent */
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);

    memset(&c, 0, sizeof(c));
    t_add(&c, "10000\r\n");
    t_expect("a signed stream's chunk without chunk-signature", &conf, &c,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISSING);
    c.len = 0;
    t_add(&c, "10000;chunk-signature=AD80C730A21E5B8D04586A2213DD63B9A0E99E0E"
              "2307B0ADE35A65485A288648\r\n");
    t_expect("an uppercase chunk-signature", &conf, &c,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MALFORMED);
    c.len = 0;
    t_add(&c, "10000;chunk-signature=ad80c730\r\n");
    t_expect("a short chunk-signature", &conf, &c,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MALFORMED);
    c.len = 0;
    t_add(&c, "10000;chunk-signature=\r\n");
    t_expect("an empty chunk-signature", &conf, &c,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MALFORMED);
    c.len = 0;
    t_add(&c, "10000;chunk-signature=" T_SIG1 ";x=y\r\n");
    t_expect("a second extension after chunk-signature", &conf, &c,
             IAM_S3_CHUNKED_ERR_EXTENSION);
    c.len = 0;
    t_add(&c, "10000;chunk-sig=" T_SIG1 "\r\n");
    t_expect("an extension other than chunk-signature", &conf, &c,
             IAM_S3_CHUNKED_ERR_EXTENSION);
    free(c.data);

    free(b.data);
}


static void
t_framing_bad(void)
{
    t_body_t               b;
    iam_s3_chunked_conf_t  conf;

    static const struct {
        const char            *name;
        const char            *body;
        iam_s3_chunked_err_t   err;
    } cases[] = {
        { "hex garbage as a size", "zz\r\n", IAM_S3_CHUNKED_ERR_SIZE_INVALID },
        { "an empty size line", "\r\n", IAM_S3_CHUNKED_ERR_SIZE_INVALID },
        { "a negative size", "-5\r\n", IAM_S3_CHUNKED_ERR_SIZE_INVALID },
        { "a size with a 0x prefix", "0x5\r\n",
          IAM_S3_CHUNKED_ERR_SIZE_INVALID },
        { "a space after the size", "5 \r\n",
          IAM_S3_CHUNKED_ERR_SIZE_INVALID },
        { "a size of 17 hex digits", "10000000000000000\r\n",
          IAM_S3_CHUNKED_ERR_SIZE_OVERFLOW },
        { "a size of 2^64-1", "ffffffffffffffff\r\n",
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_EXCEEDED },
        { "a chunk header of 200 bytes",
          "000000000000000000000000000000000000000000000000000000000000000000"
          "000000000000000000000000000000000000000000000000000000000000000000"
          "000000000000000000000000000000000000000000000000000000000000000000"
          "0000\r\n", IAM_S3_CHUNKED_ERR_LINE_TOO_LONG },
        { "a chunk header ended by LF", "5\nhello\r\n",
          IAM_S3_CHUNKED_ERR_CRLF_MISSING },
        { "chunk data not followed by CRLF", "5\r\nhelloX\r\n",
          IAM_S3_CHUNKED_ERR_CRLF_MISSING },
        { "chunk data followed by LF", "5\r\nhello\n",
          IAM_S3_CHUNKED_ERR_CRLF_MISSING },
        { "a chunk longer than its size", "5\r\nhello!\r\n",
          IAM_S3_CHUNKED_ERR_CRLF_MISSING },
        { "a chunk-signature in an unsigned stream",
          "5;chunk-signature=" T_SIG1 "\r\n",
          IAM_S3_CHUNKED_ERR_EXTENSION },
        { "a chunk extension in an unsigned stream", "5;a=b\r\n",
          IAM_S3_CHUNKED_ERR_EXTENSION },
        { "bytes after the final chunk's trailer",
          "5\r\nhello\r\n0\r\n\r\nextra", IAM_S3_CHUNKED_ERR_DATA_AFTER_END },
        { "a second body after the first",
          "5\r\nhello\r\n0\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
          IAM_S3_CHUNKED_ERR_DATA_AFTER_END },
        { "the final chunk missing", "5\r\nhello\r\n",
          IAM_S3_CHUNKED_ERR_TRUNCATED },
        { "an empty body", "", IAM_S3_CHUNKED_ERR_TRUNCATED },
        { "more chunks than the decoded length", "5\r\nhello\r\n1\r\n!\r\n",
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_EXCEEDED },
        { "fewer bytes than the decoded length", "3\r\nhel\r\n0\r\n\r\n",
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_SHORT },
    };

    size_t  i;

    memset(&b, 0, sizeof(b));

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        b.len = 0;
        t_add(&b, cases[i].body);
        t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "5", NULL, NULL);
        t_expect(cases[i].name, &conf, &b, cases[i].err);
    }

    free(b.data);
}


static void
t_trailer_bad(void)
{
    t_body_t               b;
    iam_s3_chunked_conf_t  conf;

    static const struct {
        const char            *name;
        const char            *trailer;
        iam_s3_chunked_err_t   err;
    } cases[] = {
        { "a wrong CRC32", "x-amz-checksum-crc32:sK4Y7B==\r\n\r\n",
          IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH },
        { "the CRC32C given as the CRC32", "x-amz-checksum-crc32:"
          T_CRC32C "\r\n\r\n", IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH },
        { "a checksum that is not base64", "x-amz-checksum-crc32:sK4Y7A!=\r\n"
          "\r\n", IAM_S3_CHUNKED_ERR_CHECKSUM_INVALID },
        { "a checksum of the wrong length", "x-amz-checksum-crc32:"
          T_SHA1 "\r\n\r\n", IAM_S3_CHUNKED_ERR_CHECKSUM_INVALID },
        { "an empty checksum", "x-amz-checksum-crc32:\r\n\r\n",
          IAM_S3_CHUNKED_ERR_CHECKSUM_INVALID },
        { "the declared checksum missing", "\r\n",
          IAM_S3_CHUNKED_ERR_TRAILER_MISSING },
        { "another checksum than declared", "x-amz-checksum-sha1:" T_SHA1
          "\r\n\r\n", IAM_S3_CHUNKED_ERR_TRAILER_NOT_DECLARED },
        { "an undeclared trailing header", "x-amz-meta-a:b\r\n"
          "x-amz-checksum-crc32:" T_CRC32 "\r\n\r\n",
          IAM_S3_CHUNKED_ERR_TRAILER_NOT_DECLARED },
        { "the checksum twice", "x-amz-checksum-crc32:" T_CRC32 "\r\n"
          "x-amz-checksum-crc32:" T_CRC32 "\r\n\r\n",
          IAM_S3_CHUNKED_ERR_TRAILER_DUPLICATE },
        { "a trailer line without ':'", "x-amz-checksum-crc32\r\n\r\n",
          IAM_S3_CHUNKED_ERR_TRAILER_MALFORMED },
        { "a trailer signature in an unsigned stream",
          "x-amz-checksum-crc32:" T_CRC32 "\r\nx-amz-trailer-signature:"
          T_TRAILER_SIG "\r\n\r\n",
          IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_UNEXPECTED },
        { "a trailer line ended by LF", "x-amz-checksum-crc32:" T_CRC32
          "\n\r\n", IAM_S3_CHUNKED_ERR_CRLF_MISSING },
        { "the trailer cut short", "x-amz-checksum-crc32:" T_CRC32 "\r\n",
          IAM_S3_CHUNKED_ERR_TRUNCATED },
        { "bytes after the trailer", "x-amz-checksum-crc32:" T_CRC32
          "\r\n\r\nX", IAM_S3_CHUNKED_ERR_DATA_AFTER_END },
    };

    size_t  i;

    memset(&b, 0, sizeof(b));

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        b.len = 0;
        t_body_unsigned(&b, cases[i].trailer);
        t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "66560",
               "x-amz-checksum-crc32", NULL);
        t_expect(cases[i].name, &conf, &b, cases[i].err);
    }

    /* the signed trailer example, forged in each part */

    t_conf(&conf, IAM_S3_STREAMING_SIGNED_TRAILER, "66560",
           "x-amz-checksum-crc32c", &tauth);

    b.len = 0;
    t_body_trailer(&b);
    t_replace(&b, "x-amz-trailer-signature:" T_TRAILER_SIG "\r\n", "");
    t_expect("a signed stream whose trailer is unsigned", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISSING);

    b.len = 0;
    t_body_trailer(&b);
    t_replace(&b, "x-amz-trailer-signature:d81f82",
                  "x-amz-trailer-signature:d81f83");
    t_expect("a forged trailer signature", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISMATCH);

    b.len = 0;
    t_body_trailer(&b);
    t_replace(&b, "crc32c:" T_CRC32C, "crc32c:AAAAAA==");
    t_expect("a changed checksum under the trailer signature", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRAILER_SIGNATURE_MISMATCH);

    b.len = 0;
    t_body_trailer(&b);
    t_replace(&b, "x-amz-checksum-crc32c:" T_CRC32C "\r\n"
                  "x-amz-trailer-signature:" T_TRAILER_SIG "\r\n",
                  "x-amz-trailer-signature:" T_TRAILER_SIG "\r\n"
                  "x-amz-checksum-crc32c:" T_CRC32C "\r\n");
    t_expect("the checksum after the trailer signature", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRAILER_MALFORMED);

    b.len = 0;
    t_body_trailer(&b);
    b.data[300] = 'b';
    t_expect("a tampered chunk under a signed trailer", &conf, &b,
             IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH);

    b.len = 0;
    t_body_trailer(&b);
    t_replace(&b, "0;chunk-signature=" T_TSIG3 "\r\n",
                  "0;chunk-signature=" T_TSIG3 "\r\n\r\n");
    t_expect("an empty line before the trailer ends it early", &conf, &b,
             IAM_S3_CHUNKED_ERR_TRAILER_MISSING);

    free(b.data);
}


/* headers that are wrong before any byte of the body */

static void
t_headers_bad(void)
{
    iam_s3_chunked_t       ck;
    iam_s3_chunked_conf_t  conf;

    static const struct {
        const char            *name;
        const char            *mode;
        const char            *length;
        const char            *trailer;
        iam_s3_chunked_err_t   err;
    } cases[] = {
        { "no x-amz-decoded-content-length", IAM_S3_STREAMING_SIGNED, NULL,
          NULL, IAM_S3_CHUNKED_ERR_DECODED_LENGTH_MISSING },
        { "x-amz-decoded-content-length not a number",
          IAM_S3_STREAMING_SIGNED, "12a", NULL,
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID },
        { "x-amz-decoded-content-length negative",
          IAM_S3_STREAMING_UNSIGNED_TRAILER, "-1", NULL,
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID },
        { "x-amz-decoded-content-length empty",
          IAM_S3_STREAMING_UNSIGNED_TRAILER, "", NULL,
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID },
        { "x-amz-decoded-content-length beyond 2^64",
          IAM_S3_STREAMING_UNSIGNED_TRAILER, "18446744073709551616", NULL,
          IAM_S3_CHUNKED_ERR_DECODED_LENGTH_INVALID },
        { "x-amz-trailer naming CRC64NVME",
          IAM_S3_STREAMING_UNSIGNED_TRAILER, "1",
          "x-amz-checksum-crc64nvme",
          IAM_S3_CHUNKED_ERR_TRAILER_UNSUPPORTED },
        { "x-amz-trailer naming two checksums",
          IAM_S3_STREAMING_UNSIGNED_TRAILER, "1",
          "x-amz-checksum-crc32,x-amz-checksum-sha1",
          IAM_S3_CHUNKED_ERR_TRAILER_UNSUPPORTED },
        { "x-amz-trailer empty", IAM_S3_STREAMING_UNSIGNED_TRAILER, "1", "",
          IAM_S3_CHUNKED_ERR_TRAILER_UNSUPPORTED },
        { "x-amz-trailer on a stream without trailer",
          IAM_S3_STREAMING_SIGNED, "1", "x-amz-checksum-crc32",
          IAM_S3_CHUNKED_ERR_TRAILER_UNEXPECTED },
        { "x-amz-trailer on a hashed body", T_SHA256_HEX, NULL,
          "x-amz-checksum-crc32", IAM_S3_CHUNKED_ERR_TRAILER_UNEXPECTED },
        { "the ECDSA streaming mode",
          "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "1", NULL,
          IAM_S3_CHUNKED_ERR_UNSUPPORTED },
        { "a hash with a non-hex digit",
          "cd69d3887c6af9264b100d7b7602331335d9aa7e3bd7c30cdc6d6f4bfbb3c88g",
          NULL, NULL, IAM_S3_CHUNKED_ERR_UNSUPPORTED },
    };

    size_t  i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_conf(&conf, cases[i].mode, cases[i].length, cases[i].trailer,
               &auth);

        ok(iam_s3_chunked_init(&ck, &conf) == IAM_ERROR
           && ck.error == cases[i].err,
           "%s: refused with %s", cases[i].name,
           iam_s3_chunked_error_code(cases[i].err));

        if (ck.error != cases[i].err) {
            printf("#   got error %d (%s), want %d\n", (int) ck.error,
                   ck.detail ? ck.detail : "", (int) cases[i].err);
        }

        iam_s3_chunked_cleanup(&ck);
    }

    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "1", NULL, NULL);
    ok(iam_s3_chunked_init(&ck, &conf) == IAM_ERROR
       && ck.error == IAM_S3_CHUNKED_ERR_INTERNAL,
       "signed streaming without a verified seed fails closed");
    iam_s3_chunked_cleanup(&ck);
}


static void
t_errors(void)
{
    int                    rc;
    t_body_t               b;
    iam_s3_chunked_t       ck;
    iam_s3_chunked_conf_t  conf;

    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH),
           "SignatureDoesNotMatch", "a bad chunk: SignatureDoesNotMatch");
    is_int(iam_s3_chunked_error_status(
               IAM_S3_CHUNKED_ERR_SIGNATURE_MISMATCH), 403, "403");
    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_TRUNCATED),
           "IncompleteBody", "a truncated body: IncompleteBody");
    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_SIZE_INVALID),
           "InvalidChunkSizeError", "a bad size: InvalidChunkSizeError");
    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_SHA256_MISMATCH),
           "XAmzContentSHA256Mismatch", "a bad hash: "
           "XAmzContentSHA256Mismatch");
    is_int(iam_s3_chunked_error_status(IAM_S3_CHUNKED_ERR_SHA256_MISMATCH),
           400, "400");
    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH),
           "BadDigest", "a bad checksum: BadDigest");
    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_TRAILER_MISSING),
           "InvalidRequest", "a missing checksum: InvalidRequest");
    is_str(iam_s3_chunked_error_code(IAM_S3_CHUNKED_ERR_LAST),
           "InternalError", "out of range: InternalError");

    /* errors stick: nothing after a failure passes */
    memset(&b, 0, sizeof(b));
    t_add(&b, "zz\r\n5\r\nhello\r\n0\r\n\r\n");
    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "5", NULL, NULL);
    iam_s3_chunked_init(&ck, &conf);
    rc = iam_s3_chunked_feed(&ck, b.data, 4);
    ok(rc == IAM_ERROR, "a bad first chunk fails");
    ok(iam_s3_chunked_feed(&ck, b.data + 4, b.len - 4) == IAM_ERROR
       && iam_s3_chunked_finish(&ck) == IAM_ERROR
       && ck.error == IAM_S3_CHUNKED_ERR_SIZE_INVALID,
       "and the error sticks through the good rest");
    ok(ck.detail != NULL && strstr(ck.detail, "hex") != NULL,
       "with a detail: %s", ck.detail ? ck.detail : "(none)");
    iam_s3_chunked_cleanup(&ck);
    free(b.data);
}


/*
 * Every one-byte change or cut of a signed body fails, and fails the same
 * whether fed whole or in random pieces.  A deterministic generator; most
 * changes land near the framing, where the state machine is.
 */

static uint64_t  t_rng = 0x9e3779b97f4a7c15ull;

static size_t
t_rand(size_t n)
{
    t_rng ^= t_rng << 13;
    t_rng ^= t_rng >> 7;
    t_rng ^= t_rng << 17;

    return (size_t) (t_rng % n);
}


static int
t_run_random(iam_s3_chunked_conf_t *conf, const t_body_t *b,
    iam_s3_chunked_err_t *err)
{
    int               rc;
    size_t            off, n;
    t_sink_t          sink;
    iam_s3_chunked_t  ck;

    memset(&sink, 0, sizeof(t_sink_t));
    conf->output = t_sink;
    conf->output_data = &sink;

    rc = iam_s3_chunked_init(&ck, conf);

    for (off = 0; rc == IAM_OK && off < b->len; off += n) {
        n = 1 + t_rand(t_rand(2) ? 64 : 20000);
        n = b->len - off < n ? b->len - off : n;
        rc = iam_s3_chunked_feed(&ck, b->data + off, n);
    }

    if (rc == IAM_OK) {
        rc = iam_s3_chunked_finish(&ck);
    }

    *err = ck.error;
    iam_s3_chunked_cleanup(&ck);

    return rc;
}


static void
t_mutations(void)
{
    int                    trailer;
    size_t                 i, pos, passed, differ, cut;
    t_body_t               b;
    t_sink_t               sink;
    unsigned char          old;
    iam_s3_chunked_err_t   e1, e2;
    iam_s3_chunked_conf_t  conf;

    for (trailer = 0; trailer < 2; trailer++) {
        memset(&b, 0, sizeof(b));

        if (trailer) {
            t_body_trailer(&b);
            t_conf(&conf, IAM_S3_STREAMING_SIGNED_TRAILER, "66560",
                   "x-amz-checksum-crc32c", &tauth);

        } else {
            t_body_signed(&b);
            t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);
        }

        passed = 0;
        differ = 0;

        for (i = 0; i < 1000; i++) {
            switch (t_rand(4)) {
            case 0:
                pos = t_rand(b.len);
                break;
            case 1:
                pos = t_rand(200);
                break;
            case 2:
                pos = b.len - 1 - t_rand(300);
                break;
            default:
                pos = 65536 + 80 + t_rand(200);
            }

            old = (unsigned char) b.data[pos];
            b.data[pos] = (char) (old ^ (1 + t_rand(255)));

            /* header names are case-insensitive: a case flip may pass */
            if ((old | 0x20) >= 'a' && (old | 0x20) <= 'z'
                && ((unsigned char) b.data[pos] ^ old) == 0x20)
            {
                b.data[pos] = (char) old;
                i--;
                continue;
            }

            if (t_run(&conf, &b, b.len, &sink, &e1) == IAM_OK) {
                passed++;
            }

            if (t_run_random(&conf, &b, &e2) == IAM_OK || e1 != e2) {
                differ++;
            }

            b.data[pos] = (char) old;
        }

        is_int(passed, 0, "%s: 1000 one-byte changes (no case flips), none passes",
               trailer ? "signed trailer" : "signed stream");
        is_int(differ, 0, "%s: each fails the same in random pieces",
               trailer ? "signed trailer" : "signed stream");

        passed = 0;

        for (cut = 0; cut < b.len; cut += 1 + t_rand(97)) {
            i = b.len;
            b.len = cut;

            if (t_run_random(&conf, &b, &e1) == IAM_OK) {
                passed++;
            }

            b.len = i;
        }

        is_int(passed, 0, "%s: cut anywhere, it never passes",
               trailer ? "signed trailer" : "signed stream");

        ok(t_run_random(&conf, &b, &e1) == IAM_OK,
           "%s: and unchanged, it still does", trailer ? "signed trailer"
                                                       : "signed stream");

        free(b.data);
    }
}


/*
 * A chunk signer of the test's own, on OpenSSL's one-shot HMAC and SHA-256
 * (the decoder uses EVP contexts): it must reproduce AWS's first chunk.
 */

static void
t_hex(char *hex, const unsigned char *bin, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        sprintf(hex + 2 * i, "%02x", bin[i]);
    }
}


static void
t_sign_chunk(const char *prev, const char *data, size_t len, char *sig)
{
    char           sts[512], hash[65];
    unsigned int   n;
    unsigned char  k[32], md[32];

    HMAC(EVP_sha256(), "AWS4" T_SECRET, 4 + strlen(T_SECRET),
         (const unsigned char *) "20130524", 8, k, &n);
    HMAC(EVP_sha256(), k, 32, (const unsigned char *) "us-east-1", 9, k, &n);
    HMAC(EVP_sha256(), k, 32, (const unsigned char *) "s3", 2, k, &n);
    HMAC(EVP_sha256(), k, 32, (const unsigned char *) "aws4_request", 12, k,
         &n);

    SHA256((const unsigned char *) data, len, md);
    t_hex(hash, md, 32);

    snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256-PAYLOAD\n20130524T000000Z\n"
             T_SCOPE "\n%s\n" IAM_SIGV4_EMPTY_SHA256 "\n%s", prev, hash);

    HMAC(EVP_sha256(), k, 32, (const unsigned char *) sts, strlen(sts), md,
         &n);
    t_hex(sig, md, 32);
}


/*
 * n bytes of 'a' as one signed chunk chained from prev (updated); n = 0 is
 * the final chunk, whose empty data is followed by the CRLF too
 */

static void
t_add_signed(t_body_t *b, char *prev, size_t n)
{
    char   *data, line[128];

    data = malloc(n + 1);
    memset(data, 'a', n);
    t_sign_chunk(prev, data, n, prev);
    free(data);

    snprintf(line, sizeof(line), "%zx;chunk-signature=%s\r\n", n, prev);
    t_add(b, line);
    t_add_a(b, n);
    t_add(b, "\r\n");
}


static void
t_chunk_sizes(void)
{
    char                   prev[65];
    t_body_t               b;
    t_sink_t               sink;
    iam_s3_chunked_err_t   err;
    iam_s3_chunked_conf_t  conf;

    memset(&b, 0, sizeof(b));
    t_add_a(&b, 65536);
    t_sign_chunk(T_SEED, b.data, 65536, prev);
    is_str(prev, T_SIG1, "the test's own chunk signer reproduces AWS's");

    /* 8 KiB, then 1 KiB, then the end: the smallest chunks allowed */
    b.len = 0;
    strcpy(prev, T_SEED);
    t_add_signed(&b, prev, 8192);
    t_add_signed(&b, prev, 1024);
    t_add_signed(&b, prev, 0);
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "9216", NULL, &auth);
    ok(t_run(&conf, &b, 100, &sink, &err) == IAM_OK && sink.bytes == 9216,
       "signed chunks of 8192 and 1024 bytes pass");

    /* 1 KiB, then 8 KiB: a short chunk before the last */
    b.len = 0;
    strcpy(prev, T_SEED);
    t_add_signed(&b, prev, 1024);
    t_add_signed(&b, prev, 8192);
    t_add_signed(&b, prev, 0);
    t_expect("a signed chunk of 1024 bytes before the last", &conf, &b,
             IAM_S3_CHUNKED_ERR_CHUNK_TOO_SMALL);

    b.len = 0;
    strcpy(prev, T_SEED);
    t_add_signed(&b, prev, 8191);
    t_add_signed(&b, prev, 1025);
    t_add_signed(&b, prev, 0);
    t_expect("a signed chunk of 8191 bytes before the last", &conf, &b,
             IAM_S3_CHUNKED_ERR_CHUNK_TOO_SMALL);

    /* unsigned chunks come as the client's stream yields them */
    b.len = 0;
    t_add(&b, "1\r\na\r\n1\r\na\r\n0\r\n\r\n");
    t_conf(&conf, IAM_S3_STREAMING_UNSIGNED_TRAILER, "2", NULL, NULL);
    ok(t_run(&conf, &b, 3, &sink, &err) == IAM_OK,
       "unsigned chunks of any size pass");

    free(b.data);
}


/* an x-amz-checksum-* request header, checked in the modes without trailer */

static void
t_checksum_header(void)
{
    t_body_t               b;
    t_sink_t               sink;
    iam_s3_chunked_err_t   err;
    iam_s3_chunked_conf_t  conf;

    static const iam_str_t  crc32c = iam_string("X-Amz-Checksum-CRC32C");
    static const iam_str_t  other = iam_string("x-amz-checksum-crc64nvme");
    static const iam_str_t  algo = iam_string("x-amz-checksum-algorithm");

    ok(iam_s3_checksum_header(crc32c) == IAM_S3_CHECKSUM_CRC32C
       && iam_s3_checksum_header(other) == IAM_S3_CHECKSUM_NONE
       && iam_s3_checksum_header(algo) == IAM_S3_CHECKSUM_NONE,
       "checksum headers by name, case-insensitively; others are none");

    memset(&b, 0, sizeof(b));
    t_add_a(&b, T_OBJECT);

#define t_sum(c, name, value)                                                 \
    (c)->checksum = name;                                                     \
    iam_str_set(&(c)->checksum_value, value)

    t_conf(&conf, T_SHA256_HEX, NULL, NULL, NULL);
    t_sum(&conf, IAM_S3_CHECKSUM_CRC32, T_CRC32);
    ok(t_run(&conf, &b, 5000, &sink, &err) == IAM_OK,
       "a hashed body with its x-amz-checksum-crc32");

    t_sum(&conf, IAM_S3_CHECKSUM_CRC32, "AAAAAA==");
    t_expect("a hashed body with a wrong x-amz-checksum-crc32", &conf, &b,
             IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH);

    t_sum(&conf, IAM_S3_CHECKSUM_SHA1, T_CRC32);
    t_expect("an x-amz-checksum-sha1 of a CRC's size", &conf, &b,
             IAM_S3_CHUNKED_ERR_CHECKSUM_INVALID);

    t_conf(&conf, IAM_SIGV4_UNSIGNED_PAYLOAD, NULL, NULL, NULL);
    t_sum(&conf, IAM_S3_CHECKSUM_SHA256, T_SHA256);
    ok(t_run(&conf, &b, 333, &sink, &err) == IAM_OK,
       "UNSIGNED-PAYLOAD with its x-amz-checksum-sha256");

    t_sum(&conf, IAM_S3_CHECKSUM_SHA1, T_SHA1);
    b.data[100] = 'b';
    t_expect("UNSIGNED-PAYLOAD changed under its x-amz-checksum-sha1", &conf,
             &b, IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH);
    b.data[100] = 'a';

    b.len = 0;
    t_body_signed(&b);
    t_conf(&conf, IAM_S3_STREAMING_SIGNED, "66560", NULL, &auth);
    t_sum(&conf, IAM_S3_CHECKSUM_CRC32C, T_CRC32C);
    ok(t_run(&conf, &b, 4000, &sink, &err) == IAM_OK,
       "AWS's signed stream with x-amz-checksum-crc32c sOO8/Q==");

    t_sum(&conf, IAM_S3_CHECKSUM_CRC32C, T_CRC32);
    t_expect("AWS's signed stream with a wrong x-amz-checksum-crc32c", &conf,
             &b, IAM_S3_CHUNKED_ERR_CHECKSUM_MISMATCH);

    b.len = 0;
    t_body_trailer(&b);
    t_conf(&conf, IAM_S3_STREAMING_SIGNED_TRAILER, "66560",
           "x-amz-checksum-crc32c", &tauth);
    t_sum(&conf, IAM_S3_CHECKSUM_CRC32C, T_CRC32C);
    t_expect("a checksum header and a trailer", &conf, &b,
             IAM_S3_CHUNKED_ERR_CHECKSUM_TWICE);

#undef t_sum

    free(b.data);
}


/* the CPU's CRC32C and the table agree, at every length and alignment */

static void
t_crc32c(void)
{
    size_t          off, len, bad;
    uint32_t        a, b;
    unsigned char   buf[300];

    is_int(iam_s3_crc32c_portable(0, (const unsigned char *) "123456789", 9),
           0xe3069283, "the table's CRC32C of \"123456789\" is 0xe3069283");
    is_int(iam_s3_crc32c(0, (const unsigned char *) "123456789", 9),
           0xe3069283, "the dispatched CRC32C too");

    for (off = 0; off < sizeof(buf); off++) {
        buf[off] = (unsigned char) (off * 131 + 7);
    }

    bad = 0;

    for (off = 0; off < 16; off++) {
        for (len = 0; len + off <= sizeof(buf); len++) {
            a = iam_s3_crc32c(0x12345678, buf + off, len);
            b = iam_s3_crc32c_portable(0x12345678, buf + off, len);

            if (a != b) {
                bad++;
            }
        }
    }

    is_int(bad, 0, "CRC32C: the CPU's and the table's agree at offsets "
           "0..15, lengths 0..300");

    a = iam_s3_crc32c(iam_s3_crc32c(0, buf, 100), buf + 100, 200);
    is_int(a, iam_s3_crc32c_portable(0, buf, 300),
           "CRC32C chains across buffers");
}


static void
t_add(t_body_t *b, const char *s)
{
    size_t  n;

    n = strlen(s);

    if (b->len + n > b->size) {
        b->size = (b->len + n) * 2 + 1024;
        b->data = realloc(b->data, b->size);
    }

    memcpy(b->data + b->len, s, n);
    b->len += n;
}


static void
t_add_a(t_body_t *b, size_t n)
{
    if (b->len + n > b->size) {
        b->size = (b->len + n) * 2 + 1024;
        b->data = realloc(b->data, b->size);
    }

    memset(b->data + b->len, 'a', n);
    b->len += n;
}


static void
t_body_signed(t_body_t *b)
{
    t_add(b, "10000;chunk-signature=" T_SIG1 "\r\n");
    t_add_a(b, 65536);
    t_add(b, "\r\n400;chunk-signature=" T_SIG2 "\r\n");
    t_add_a(b, 1024);
    t_add(b, "\r\n0;chunk-signature=" T_SIG3 "\r\n\r\n");
}


static void
t_body_trailer(t_body_t *b)
{
    t_add(b, "10000;chunk-signature=" T_TSIG1 "\r\n");
    t_add_a(b, 65536);
    t_add(b, "\r\n400;chunk-signature=" T_TSIG2 "\r\n");
    t_add_a(b, 1024);
    t_add(b, "\r\n0;chunk-signature=" T_TSIG3 "\r\n"
             "x-amz-checksum-crc32c:" T_CRC32C "\r\n"
             "x-amz-trailer-signature:" T_TRAILER_SIG "\r\n\r\n");
}


/* the JS SDK v3's framing: chunks of 8 KiB, "0", the trailer lines */

static void
t_body_unsigned(t_body_t *b, const char *trailer)
{
    size_t  i;

    for (i = 0; i < 8; i++) {
        t_add(b, "2000\r\n");
        t_add_a(b, 8192);
        t_add(b, "\r\n");
    }

    t_add(b, "400\r\n");
    t_add_a(b, 1024);
    t_add(b, "\r\n0\r\n");
    t_add(b, trailer);
}


static void
t_replace(t_body_t *b, const char *from, const char *to)
{
    char    *p, *rest;
    size_t   flen, tlen, n;

    flen = strlen(from);
    tlen = strlen(to);

    p = memmem(b->data, b->len, from, flen);

    if (p == NULL) {
        printf("# t_replace: \"%s\" not found\n", from);
        abort();
    }

    n = b->len - (p - b->data) - flen;
    rest = malloc(n + 1);
    memcpy(rest, p + flen, n);

    if (b->len - flen + tlen > b->size) {
        b->size = b->len - flen + tlen + 1024;
        n = p - b->data;
        b->data = realloc(b->data, b->size);
        p = b->data + n;
        n = b->len - n - flen;
    }

    memcpy(p, to, tlen);
    memcpy(p + tlen, rest, n);
    b->len = b->len - flen + tlen;
    free(rest);
}


/* whether a byte other than the object's 'a' lies within dist of off */

static int
t_near_framing(const t_body_t *b, size_t off, size_t dist)
{
    size_t  i, from, to;

    from = off > dist ? off - dist : 0;
    to = off + dist < b->len ? off + dist : b->len;

    for (i = from; i < to; i++) {
        if (b->data[i] != 'a') {
            return 1;
        }
    }

    return 0;
}


static int
t_sink(void *data, const void *buf, size_t len)
{
    size_t       i;
    t_sink_t    *sink = data;
    const char  *p = buf;

    for (i = 0; i < len; i++) {
        if (p[i] != 'a') {
            sink->bad++;
        }
    }

    sink->bytes += len;

    return IAM_OK;
}


static int
t_run(iam_s3_chunked_conf_t *conf, const t_body_t *b, size_t step,
    t_sink_t *sink, iam_s3_chunked_err_t *err)
{
    int               rc;
    size_t            off, n;
    iam_s3_chunked_t  ck;

    memset(sink, 0, sizeof(t_sink_t));
    conf->output = t_sink;
    conf->output_data = sink;

    rc = iam_s3_chunked_init(&ck, conf);

    for (off = 0; rc == IAM_OK && off < b->len; off += n) {
        n = b->len - off < step ? b->len - off : step;
        rc = iam_s3_chunked_feed(&ck, b->data + off, n);
    }

    if (rc == IAM_OK) {
        rc = iam_s3_chunked_finish(&ck);
    }

    *err = ck.error;
    iam_s3_chunked_cleanup(&ck);

    return rc;
}


/* refused with the expected error, fed whole and one byte at a time */

static void
t_expect(const char *name, iam_s3_chunked_conf_t *conf, const t_body_t *b,
    iam_s3_chunked_err_t want)
{
    int                   rc1, rc2;
    t_sink_t              sink;
    iam_s3_chunked_err_t  e1, e2;

    rc1 = t_run(conf, b, b->len ? b->len : 1, &sink, &e1);
    rc2 = t_run(conf, b, 1, &sink, &e2);

    if (!ok(rc1 == IAM_ERROR && rc2 == IAM_ERROR && e1 == want && e2 == want,
            "%s: %s (%d)", name, iam_s3_chunked_error_code(want), (int) want))
    {
        printf("#   got %d/%d, errors %d/%d\n", rc1, rc2, (int) e1, (int) e2);
    }
}
