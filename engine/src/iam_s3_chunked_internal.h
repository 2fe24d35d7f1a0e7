/*
 * ngx_iam engine: the CRC32C of the aws-chunked decoder, for its tests.
 * Not a public interface.
 */

#ifndef _IAM_S3_CHUNKED_INTERNAL_H_INCLUDED_
#define _IAM_S3_CHUNKED_INTERNAL_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* the CPU's instruction where there is one, else the table */
uint32_t iam_s3_crc32c(uint32_t crc, const unsigned char *p, size_t len);
/* the table, always: so that the tests check both */
uint32_t iam_s3_crc32c_portable(uint32_t crc, const unsigned char *p,
    size_t len);


#endif /* _IAM_S3_CHUNKED_INTERNAL_H_INCLUDED_ */
