// Signs one S3 GET with npm aws4 (service s3) and sends it with node's http;
// prints one JSON object {status, body, code} on stdout.
// usage: node aws4-get.js URL KEY SECRET [PAYLOAD_HASH]
//   PAYLOAD_HASH defaults to the SHA-256 of the empty body; pass
//   UNSIGNED-PAYLOAD to sign as the SDKs do for streamed bodies.
'use strict';
const aws4 = require('aws4');
const crypto = require('crypto');
const http = require('http');

const [url, key, secret, payload] = process.argv.slice(2);
const u = new URL(url);
// S3 requires x-amz-content-sha256; set it ourselves (aws4 signs it as given)
const contentSha256 = payload || crypto.createHash('sha256').update('').digest('hex');
const opts = aws4.sign({
    host: u.host, path: u.pathname + u.search, method: 'GET',
    service: 's3', region: 'us-east-1',
    headers: { 'x-amz-content-sha256': contentSha256 },
}, { accessKeyId: key, secretAccessKey: secret });

const req = http.request({ hostname: u.hostname, port: u.port, path: opts.path,
                           method: 'GET', headers: opts.headers }, (res) => {
    let data = '';
    res.setEncoding('utf8');
    res.on('data', (c) => { data += c; });
    res.on('end', () => {
        const m = /<Code>([^<]*)<\/Code>/.exec(data);
        console.log(JSON.stringify({ status: res.statusCode, body: data,
                                     code: m ? m[1] : null,
                                     signedHeaders: /SignedHeaders=([^,]*)/.exec(opts.headers.Authorization)[1] }));
    });
});
req.on('error', (e) => console.log(JSON.stringify({ status: 0, body: String(e), code: null })));
req.end();
