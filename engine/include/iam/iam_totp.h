/*
 * ngx_iam engine: virtual MFA devices, TOTP as RFC 6238 defines it
 * (HMAC-SHA1, 30-second steps, 6 digits as AWS's devices use) and the
 * base32 seeds that authenticator apps are given.
 */

#ifndef _IAM_TOTP_H_INCLUDED_
#define _IAM_TOTP_H_INCLUDED_


#include <time.h>
#include <iam/iam_core.h>


#define IAM_TOTP_STEP       30
#define IAM_TOTP_DIGITS     6
#define IAM_TOTP_SEED_MAX   64


/*
 * RFC 4648 base32, upper or lower case; '=' padding and spaces are
 * ignored.  IAM_ERROR on any other character, on a dangling partial
 * byte, or when out (size bytes) is too small.
 */
int iam_base32_decode(const char *in, size_t len, unsigned char *out,
    size_t size, size_t *outlen);

/*
 * The code for one time step (RFC 4226's HOTP over T = time / 30):
 * digits (6 to 8) decimal digits, zero-padded, NUL-terminated into code.
 */
int iam_totp_code(const unsigned char *seed, size_t len, uint64_t step,
    unsigned digits, char *code);

/*
 * Checks a 6-digit code at now, one step either way (clock drift).
 * IAM_OK with *step set to the step it matched, so that the caller can
 * refuse a code used once; IAM_DECLINED when it does not match; IAM_ERROR
 * on a malformed code.  Compares in constant time.
 */
int iam_totp_check(const unsigned char *seed, size_t len, time_t now,
    iam_str_t code, uint64_t *step);


#endif /* _IAM_TOTP_H_INCLUDED_ */
