// @aws-sdk/client-s3 v3 PutObject of a file stream with the SDK's default
// checksum settings: an aws-chunked body, STREAMING-UNSIGNED-PAYLOAD-TRAILER,
// a CRC32 (or the given algorithm's) trailer.  Logs the request headers the
// SDK sent, so the test can tell which mode it used.
// usage: node sdk-v3-stream.mjs ENDPOINT KEY SECRET BUCKET KEY FILE [ALGO]
// prints one JSON object {ok, error, status, headers}
import { createReadStream, statSync } from 'node:fs';
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';

const [endpoint, accessKeyId, secretAccessKey, bucket, key, file, algo] =
    process.argv.slice(2);
const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true,
                          credentials: { accessKeyId, secretAccessKey },
                          maxAttempts: 1 });
const out = { headers: {} };

s3.middlewareStack.add((next) => async (args) => {
    for (const [k, v] of Object.entries(args.request.headers)) {
        out.headers[k.toLowerCase()] = v;
    }
    return next(args);
}, { step: 'finalizeRequest', name: 'recordHeaders', priority: 'low' });

try {
    await s3.send(new PutObjectCommand({
        Bucket: bucket, Key: key, Body: createReadStream(file),
        ContentLength: statSync(file).size,
        ...(algo ? { ChecksumAlgorithm: algo } : {}),
    }));
    out.ok = true;
} catch (e) {
    out.ok = false;
    out.error = e.name;
    out.message = e.message;
    out.status = e.$metadata?.httpStatusCode;
}

console.log(JSON.stringify(out));
