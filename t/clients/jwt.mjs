// JWTs for the tests, signed by npm `jose` (and, for the attacks jose will
// not make, such as duplicate JSON members, by node's crypto with the same
// keys).
//
//   node jwt.mjs keys DIR             key pairs of every alg: DIR/private.json,
//                                     DIR/jwks.json (public, kid = alg name)
//   node jwt.mjs sign DIR 'SPEC'      prints one token; SPEC is JSON:
//     { "alg": "RS256", "kid": "...", "header": {...}, "claims": {...},
//       "attack": "none" | "hs256-pubkey" | "tamper" | "dup-claim" |
//                 "dup-header" | "zero-sig" | "noncanonical" | "padded" }
//   node jwt.mjs batch DIR            {name: SPEC, ...} on stdin, prints
//                                     {name: token, ...}: one node start
//   node jwt.mjs fixtures DIR NOW     DIR/jwks.json + DIR/tokens.json for
//                                     the engine's unit tests, times at NOW

import * as jose from 'jose';
import { createPrivateKey, createPublicKey, sign as nodeSign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
              'ES256', 'ES384', 'ES512', 'EdDSA'];

const b64u = (buf) => Buffer.from(buf).toString('base64url');

async function keys(dir) {
    mkdirSync(dir, { recursive: true });

    const priv = {};
    const pub = { keys: [] };

    for (const alg of ALGS) {
        // one key per alg: RS* and PS* share none, so alg confusion shows
        const opts = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true }
                                     : { extractable: true };
        const { publicKey, privateKey } = await jose.generateKeyPair(alg, opts);
        const kid = alg;

        priv[alg] = { ...(await jose.exportJWK(privateKey)), kid, alg };
        pub.keys.push({ ...(await jose.exportJWK(publicKey)), kid, alg,
                        use: 'sig' });
    }

    writeFileSync(`${dir}/private.json`, JSON.stringify(priv, null, 1));
    writeFileSync(`${dir}/jwks.json`, JSON.stringify(pub, null, 1));
}

function nodeAlg(alg) {
    const bits = alg.slice(2);

    if (alg === 'EdDSA') {
        return { hash: null, opts: {} };
    }

    if (alg.startsWith('PS')) {
        return { hash: `sha${bits}`,
                 opts: { padding: 6 /* RSA_PKCS1_PSS_PADDING */,
                         saltLength: Number(bits) / 8 } };
    }

    if (alg.startsWith('ES')) {
        return { hash: `sha${bits}`, opts: { dsaEncoding: 'ieee-p1363' } };
    }

    return { hash: `sha${bits}`, opts: {} };
}

// header and payload given as raw JSON text, signed with node's crypto
function rawSign(jwk, alg, headerText, payloadText) {
    const input = `${b64u(headerText)}.${b64u(payloadText)}`;
    const { hash, opts } = nodeAlg(alg);
    const key = createPrivateKey({ key: jwk, format: 'jwk' });
    const sig = nodeSign(hash, Buffer.from(input), { key, ...opts });

    return `${input}.${b64u(sig)}`;
}

async function sign(dir, spec) {
    const priv = JSON.parse(readFileSync(`${dir}/private.json`, 'utf8'));
    const alg = spec.alg || 'RS256';
    const jwk = priv[spec.keyOf || alg];
    const kid = spec.kid === undefined ? jwk.kid : spec.kid;
    const header = { alg, typ: 'JWT', ...(kid === null ? {} : { kid }),
                     ...(spec.header || {}) };
    const claims = spec.claims || {};

    // "typ": null in a spec leaves the member out (Kubernetes tokens)
    for (const k of Object.keys(header)) {
        if (header[k] === null) {
            delete header[k];
        }
    }

    switch (spec.attack) {

    case 'none':
        return new jose.UnsecuredJWT(claims).encode();

    case 'hs256-pubkey': {
        // the RS/HS confusion: the RSA public key (PEM) as the HMAC secret
        const pem = createPublicKey({ key: jwk, format: 'jwk' })
                    .export({ type: 'spki', format: 'pem' });
        return await new jose.SignJWT(claims)
            .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
            .sign(new Uint8Array(Buffer.from(pem)));
    }

    case 'dup-claim':
        return rawSign(jwk, alg, JSON.stringify(header),
                       JSON.stringify(claims).replace(/}$/,
                           ',"sub":"repo:octo-org/octo-repo:ref:refs/heads/main"}'));

    case 'dup-header':
        return rawSign(jwk, alg,
                       JSON.stringify(header).replace(/}$/, ',"alg":"none"}'),
                       JSON.stringify(claims));

    case 'raw':
        return rawSign(jwk, alg, spec.headerText, spec.payloadText);
    }

    const key = await jose.importJWK(jwk, alg);
    let token = await new jose.SignJWT(claims)
        .setProtectedHeader(header)
        .sign(key, spec.crit ? { crit: spec.crit } : {});

    const [h, p, s] = token.split('.');

    switch (spec.attack) {

    case 'tamper': {
        const body = JSON.parse(Buffer.from(p, 'base64url'));
        Object.assign(body, spec.tamper || { sub: 'repo:evil/evil:ref:refs/heads/main' });
        token = `${h}.${b64u(JSON.stringify(body))}.${s}`;
        break;
    }

    case 'zero-sig':
        token = `${h}.${p}.${b64u(Buffer.alloc(Buffer.from(s, 'base64url').length))}`;
        break;

    case 'noncanonical': {
        // same bytes, but unused low bits set in the last character
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const last = alphabet.indexOf(s[s.length - 1]);
        token = `${h}.${p}.${s.slice(0, -1)}${alphabet[last | 1]}`;
        break;
    }

    case 'padded':
        token = `${h}.${p}.${s}==`;
        break;
    }

    return token;
}

async function fixtures(dir, now) {
    await keys(dir);

    const iss = 'https://token.actions.githubusercontent.com';
    const base = { iss, aud: 'sts.amazonaws.com',
                   sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
                   iat: now - 60, nbf: now - 60, exp: now + 300 };
    const cases = [];
    const add = async (name, expect, spec) => {
        cases.push({ name, expect, token: await sign(dir, spec) });
    };

    for (const alg of ALGS) {
        await add(`valid ${alg}`, 'ok', { alg, claims: base });
    }

    await add('aud as an array holding ours', 'ok',
              { claims: { ...base, aud: ['other', 'sts.amazonaws.com'] } });
    await add('expired beyond the leeway', 'expired',
              { claims: { ...base, exp: now - 61 } });
    await add('expired within the leeway', 'ok',
              { claims: { ...base, exp: now - 30 } });
    await add('not yet valid', 'not valid for',
              { claims: { ...base, nbf: now + 120 } });
    await add('issued in the future', 'issued in the future',
              { claims: { ...base, iat: now + 120 } });
    await add('wrong audience', 'audience',
              { claims: { ...base, aud: 'other' } });
    await add('no audience', 'audience',
              { claims: { ...base, aud: undefined } });
    await add('wrong issuer', 'issuer',
              { claims: { ...base, iss: 'https://evil.example' } });
    await add('no exp', 'claim "exp" is missing',
              { claims: { ...base, exp: undefined } });
    await add('exp a string', 'claim "exp" must be a NumericDate',
              { claims: { ...base, exp: String(now + 300) } });
    await add('iss a number', 'claim "iss" must be a string',
              { claims: { ...base, iss: 42 } });
    await add('aud with a number', 'claim "aud" must be a string',
              { claims: { ...base, aud: ['sts.amazonaws.com', 7] } });
    await add('sub an object', 'claim "sub" must be a string',
              { claims: { ...base, sub: { a: 1 } } });
    await add('older than the role allows', 'issued',
              { claims: { ...base, iat: now - 7200, nbf: now - 7200 } });
    await add('alg none', 'alg "none" is refused',
              { attack: 'none', claims: base });
    await add('HS256 with the RSA public key', 'alg "HS256" is refused',
              { attack: 'hs256-pubkey', claims: base });
    await add('unknown kid', 'no key',
              { kid: 'rotated-away', claims: base });
    await add('kid of a key of another alg', 'no key',
              { alg: 'ES256', kid: 'RS256', claims: base });
    await add('PS256 with the RS256 key (its alg is RS256)', 'no key',
              { alg: 'PS256', keyOf: 'RS256', kid: 'RS256', claims: base });
    await add('kid with a path', 'kid',
              { kid: '../../../../dev/null', claims: base });
    await add('jku header', 'header "jku" is refused',
              { header: { jku: 'https://evil.example/jwks.json' }, claims: base });
    await add('x5u header', 'header "x5u" is refused',
              { header: { x5u: 'https://evil.example/cert.pem' }, claims: base });
    await add('jwk header', 'header "jwk" is refused',
              { header: { jwk: { kty: 'oct', k: 'AAAA' } }, claims: base });
    await add('crit header', 'header "crit" is refused',
              { header: { crit: ['exp'], exp: 1 }, crit: { exp: true },
                claims: base });
    await add('typ at+jwt', 'typ',
              { header: { typ: 'at+jwt' }, claims: base });
    await add('typ application/jwt', 'ok',
              { header: { typ: 'application/JWT' }, claims: base });
    await add('nested token', 'nested',
              { header: { cty: 'JWT' }, claims: base });
    await add('tampered payload', 'signature verification failed',
              { attack: 'tamper', claims: base });
    await add('tampered ES256 payload', 'signature verification failed',
              { alg: 'ES256', attack: 'tamper', claims: base });
    await add('ES256 r = s = 0', 'out of range',
              { alg: 'ES256', attack: 'zero-sig', claims: base });
    await add('non-canonical base64url signature', 'base64url',
              { attack: 'noncanonical', claims: base });
    await add('padded base64url signature', 'base64url',
              { attack: 'padded', claims: base });
    await add('duplicate claim', 'claims are not a valid JSON object',
              { attack: 'dup-claim',
                claims: { ...base, sub: 'repo:evil/evil:ref:refs/heads/main' } });
    await add('duplicate header member', 'header is not a valid JSON object',
              { attack: 'dup-header', claims: base });
    await add('oversized token', 'over the limit',
              { claims: { ...base, blob: 'x'.repeat(9000) } });

    writeFileSync(`${dir}/tokens.json`, JSON.stringify(cases, null, 1));
}

const [cmd, dir, arg] = process.argv.slice(2);

if (cmd === 'keys') {
    await keys(dir);
} else if (cmd === 'sign') {
    process.stdout.write(await sign(dir, JSON.parse(arg)));
} else if (cmd === 'batch') {
    const chunks = [];
    for await (const c of process.stdin) {
        chunks.push(c);
    }
    const specs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const out = {};
    for (const [name, spec] of Object.entries(specs)) {
        out[name] = await sign(dir, spec);
    }
    process.stdout.write(JSON.stringify(out));
} else if (cmd === 'fixtures') {
    await fixtures(dir, Number(arg));
} else {
    console.error('usage: jwt.mjs keys DIR | sign DIR SPEC | fixtures DIR NOW');
    process.exit(2);
}
