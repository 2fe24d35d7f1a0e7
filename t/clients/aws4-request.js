// Signs one S3 request with npm aws4 and sends it; prints {status, body}.
// usage: node aws4-request.js METHOD URL KEY SECRET [BODY]
'use strict';
const aws4 = require('aws4');
const http = require('http');

const [method, url, key, secret, body] = process.argv.slice(2);
const u = new URL(url);
const opts = aws4.sign({
    host: u.host, path: u.pathname + u.search, method, service: 's3',
    region: 'us-east-1', body: body || undefined,
    headers: body ? { 'Content-Type': 'text/plain' } : {},
}, { accessKeyId: key, secretAccessKey: secret });

const req = http.request({ hostname: u.hostname, port: u.port, path: opts.path,
                           method, headers: opts.headers }, (res) => {
    let data = '';
    res.on('data', (c) => { data += c; });
    res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body: data })));
});
req.on('error', (e) => console.log(JSON.stringify({ status: 0, body: String(e) })));
if (body) req.write(body);
req.end();
