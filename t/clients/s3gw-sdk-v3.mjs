// @aws-sdk/client-s3 v3 through the re-signing gateway: a put and get of
// random bytes, a multipart upload, a listing of the own prefix, a refused
// put, and a put with the SDK's default checksums (an aws-chunked body with
// a CRC32 trailer).
// usage: node s3gw-sdk-v3.mjs ENDPOINT KEY SECRET BUCKET PREFIX
// prints one JSON object; each entry {ok, value} or {ok: false, error, status}
import { createHash, randomBytes } from 'node:crypto';
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command,
         CreateMultipartUploadCommand, UploadPartCommand,
         CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';

const [endpoint, accessKeyId, secretAccessKey, Bucket, prefix] = process.argv.slice(2);
const base = { endpoint, region: 'us-east-1', forcePathStyle: true,
               credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 };
// the whole payload signed (a hex x-amz-content-sha256)
const s3 = new S3Client({ ...base, requestChecksumCalculation: 'WHEN_REQUIRED',
                          responseChecksumValidation: 'WHEN_REQUIRED' });
const s3default = new S3Client(base);
const sha = (b) => createHash('sha256').update(b).digest('hex');
const out = {};

async function attempt(name, fn) {
    try {
        out[name] = { ok: true, value: await fn() };
    } catch (e) {
        out[name] = { ok: false, error: e.name, message: e.message,
                      status: e.$metadata?.httpStatusCode };
    }
}

const small = randomBytes(300 * 1024);
await attempt('put', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: `${prefix}sdk.bin`, Body: small }));
    return sha(small);
});
await attempt('get', async () => {
    const r = await s3.send(new GetObjectCommand({ Bucket, Key: `${prefix}sdk.bin` }));
    return sha(Buffer.from(await r.Body.transformToByteArray()));
});

const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1024 * 1024)];
await attempt('multipart', async () => {
    const Key = `${prefix}sdk-multipart.bin`;
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const done = [];
    for (let i = 0; i < parts.length; i++) {
        const r = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId,
                                                        PartNumber: i + 1, Body: parts[i] }));
        done.push({ ETag: r.ETag, PartNumber: i + 1 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId,
                                                       MultipartUpload: { Parts: done } }));
    const r = await s3.send(new GetObjectCommand({ Bucket, Key }));
    const back = Buffer.from(await r.Body.transformToByteArray());
    return sha(back) === sha(Buffer.concat(parts)) ? 'same bytes' : 'different bytes';
});
await attempt('list', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }));
    return (r.Contents || []).map((o) => o.Key);
});
await attempt('forbidden', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'elsewhere/sdk.bin', Body: 'x' }));
    return 'stored';
});
await attempt('putDefault', async () => {
    await s3default.send(new PutObjectCommand({ Bucket, Key: `${prefix}sdk-default.txt`,
                                                Body: 'default checksum settings' }));
    return 'stored';
});
console.log(JSON.stringify(out));
