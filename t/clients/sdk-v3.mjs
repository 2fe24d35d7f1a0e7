// @aws-sdk/client-s3 v3 against the gateway: put, get back, a refused get.
// usage: node sdk-v3.mjs ENDPOINT KEY SECRET; prints one JSON object:
// {put, get, secret, putDefault}, each {ok, value} or {ok: false, error (the
// exception name, e.g. AccessDenied), message, status}.
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2);
const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true,
                          credentials: { accessKeyId, secretAccessKey },
                          // aws-chunked uploads with trailing checksums are
                          // verified by a later issue; sign the payload whole
                          requestChecksumCalculation: 'WHEN_REQUIRED',
                          maxAttempts: 1 });
const out = {};

async function attempt(name, fn) {
    try {
        out[name] = { ok: true, value: await fn() };
    } catch (e) {
        out[name] = { ok: false, error: e.name, message: e.message,
                      status: e.$metadata?.httpStatusCode };
    }
}

await attempt('put', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'shared', Key: 'home/alice/sdk.txt',
                                         Body: 'from the v3 SDK' }));
    return 'stored';
});
await attempt('get', async () => {
    const r = await s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'home/alice/sdk.txt' }));
    return await r.Body.transformToString();
});
await attempt('secret', async () => {
    await s3.send(new GetObjectCommand({ Bucket: 'shared', Key: 'secret/plans.txt' }));
    return 'read';
});
// the SDK's defaults: since 3.729 PutObject sends a CRC32 trailer in an
// aws-chunked body (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER)
const s3default = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true,
                                 credentials: { accessKeyId, secretAccessKey },
                                 maxAttempts: 1 });
await attempt('putDefault', async () => {
    await s3default.send(new PutObjectCommand({ Bucket: 'shared', Key: 'home/alice/sdk-default.txt',
                                                Body: 'default checksum settings' }));
    return 'stored';
});
console.log(JSON.stringify(out));
