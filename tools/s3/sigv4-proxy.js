#!/usr/bin/env node
// A test-only HTTP proxy in front of s3rver that does what s3rver does not: it verifies each
// request's AWS Signature Version 4 (recomputed with the aws4 package over the request's own
// SignedHeaders) and its x-amz-content-sha256 payload hash, answering 403
// SignatureDoesNotMatch / 400 XAmzContentSHA256Mismatch like S3; good requests are forwarded.
//
//   node sigv4-proxy.js --listen PORT --target S3RVER_PORT [--region us-east-1]
//        [--credentials AK:SK[,AK2:SK2]]
//
// Test controls (not S3 API; bucket names cannot start with "_"):
//   GET  /__proxy/stats[?prefix=P]      {"requests": [{"method", "path", "status"}...]}, paths decoded
//   POST /__proxy/reset                 forget the recorded requests
//   POST /__proxy/fault?prefix=P&mode=M requests whose path starts with P (e.g. /bucket/t1/) fail:
//        mode=503 (HTTP 503 SlowDown), reset (connection dropped), delay&ms=N (held N ms first),
//        off (remove the fault for P)
'use strict';

const http = require('http');
const crypto = require('crypto');
const aws4 = require('aws4');

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const listenPort = Number(arg('listen', '4570'));
const targetPort = Number(arg('target', '4569'));
const region = arg('region', 'us-east-1');
const credentials = new Map(
  arg('credentials', 'S3RVER:S3RVER').split(',').map((pair) => {
    const i = pair.indexOf(':');
    return [pair.slice(0, i), pair.slice(i + 1)];
  }),
);

const requests = [];
const faults = new Map(); // path prefix -> {mode, ms}

function s3Error(res, status, code, message) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body)});
  res.end(body);
}

// Returns an error [status, code, message] or null when the signature holds.
function verify(req, body) {
  const auth = req.headers['authorization'];
  if (!auth) return [403, 'AccessDenied', 'anonymous requests are refused by this proxy'];
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [400, 'AuthorizationHeaderMalformed', 'cannot parse ' + auth];
  const [, accessKey, date, scopeRegion, service, signedHeaders, signature] = m;
  const secret = credentials.get(accessKey);
  if (secret === undefined) return [403, 'InvalidAccessKeyId', 'unknown access key ' + accessKey];
  if (scopeRegion !== region) return [400, 'AuthorizationHeaderMalformed', `region ${scopeRegion}, expected ${region}`];
  if (service !== 's3') return [400, 'AuthorizationHeaderMalformed', 'service ' + service];
  const amzDate = req.headers['x-amz-date'];
  if (!amzDate || !amzDate.startsWith(date)) return [403, 'AccessDenied', 'x-amz-date missing or not the scope date'];
  const when = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!(Math.abs(Date.now() - when) < 15 * 60 * 1000)) return [403, 'RequestTimeTooSkewed', amzDate];
  const names = signedHeaders.split(';');
  for (const required of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!names.includes(required)) return [403, 'AccessDenied', required + ' is not signed'];
  }
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== crypto.createHash('sha256').update(body).digest('hex')) {
    return [400, 'XAmzContentSHA256Mismatch', 'the body does not match x-amz-content-sha256'];
  }
  const headers = {};
  const include = {};
  for (const name of names) {
    if (req.headers[name] === undefined) return [403, 'AccessDenied', 'signed header ' + name + ' is missing'];
    headers[name] = req.headers[name];
    include[name] = true;
  }
  const signer = new aws4.RequestSigner({
    method: req.method, path: req.url, headers, body, service: 's3', region,
    doNotModifyHeaders: true, extraHeadersToInclude: include,
  }, {accessKeyId: accessKey, secretAccessKey: secret});
  signer.datetime = amzDate;
  const expected = signer.signature();
  if (expected !== signature) {
    return [403, 'SignatureDoesNotMatch', 'canonical request: ' + JSON.stringify(signer.canonicalString())];
  }
  return null;
}

function control(req, res, url) {
  if (req.method === 'GET' && url.pathname === '/__proxy/stats') {
    const prefix = url.searchParams.get('prefix') || '';
    const body = JSON.stringify({requests: requests.filter((r) => r.path.startsWith(prefix))});
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)});
    res.end(body);
  } else if (req.method === 'POST' && url.pathname === '/__proxy/reset') {
    requests.length = 0;
    res.writeHead(204).end();
  } else if (req.method === 'POST' && url.pathname === '/__proxy/fault') {
    const prefix = url.searchParams.get('prefix') || '/';
    const mode = url.searchParams.get('mode') || 'off';
    if (mode === 'off') faults.delete(prefix);
    else faults.set(prefix, {mode, ms: Number(url.searchParams.get('ms') || '0')});
    res.writeHead(204).end();
  } else {
    res.writeHead(404).end();
  }
}

function decode(path) {
  try {
    return decodeURIComponent(path);
  } catch (e) {
    return path;
  }
}

function faultFor(path) {
  for (const [prefix, fault] of faults) if (path.startsWith(prefix)) return fault;
  return null;
}

function forward(req, res, body) {
  // One upstream connection per request (agent: false): s3rver's HEAD answers can confuse a
  // kept-alive connection's parser.
  const headers = Object.assign({}, req.headers, {connection: 'close'});
  const upstream = http.request({
    host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers, agent: false,
  }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
    up.on('end', () => requests.push({method: req.method, path: decode(req.url.split('?')[0]), status: up.statusCode}));
  });
  upstream.on('error', (e) => {
    if (res.headersSent) return res.destroy();
    s3Error(res, 502, 'BadGateway', String(e));
  });
  upstream.end(body);
}

// A test tool must not die on one bad exchange: log and go on.
process.on('uncaughtException', (e) => process.stderr.write(`sigv4-proxy: ${e.stack || e}\n`));

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'http://proxy');
    if (url.pathname.startsWith('/__proxy/')) return control(req, res, url);
    const fault = faultFor(decode(url.pathname));
    const proceed = () => {
      const problem = verify(req, body);
      if (problem) {
        requests.push({method: req.method, path: decode(url.pathname), status: problem[0]});
        return s3Error(res, ...problem);
      }
      forward(req, res, body);
    };
    if (fault && fault.mode === '503') {
      requests.push({method: req.method, path: decode(url.pathname), status: 503});
      return s3Error(res, 503, 'SlowDown', 'fault injected by the test proxy');
    }
    if (fault && fault.mode === 'reset') return req.socket.destroy();
    if (fault && fault.mode === 'delay') return setTimeout(proceed, fault.ms);
    proceed();
  });
});
server.keepAliveTimeout = 5000;
server.listen(listenPort, '127.0.0.1', () => {
  process.stdout.write(`sigv4-proxy listening on 127.0.0.1:${listenPort}, forwarding to 127.0.0.1:${targetPort}\n`);
});
