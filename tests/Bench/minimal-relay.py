"""The cheapest blob copy this machine can do, as a reference for the CSE-shaped benchmark.

One blob, source to destination, in one process built directly on OpenSSL (Python's ssl and hashlib): a GET with
an anonymous bearer token, 1 MiB reads, one SHA-256 over the bytes, and a single monolithic PUT. No concurrency,
no progress, no stall guard, no retries. Its CPU per GB is what the per-byte work (TLS in, hash, TLS out, the
kernel's socket copies) costs here with almost nothing around it.

Usage: minimal-relay.py <source base URL> <repository> <digest> <size> <destination base URL> <CA file>
The destination's "user:password" comes on standard input, never on the command line.
Prints one JSON object: status, verified, seconds, user and system CPU seconds of the transfer alone.
"""
import base64
import hashlib
import http.client
import json
import re
import resource
import ssl
import sys
import time
import urllib.parse

CHUNK = 1 << 20


def connect(url, context):
    return http.client.HTTPSConnection(urllib.parse.urlsplit(url).netloc, context=context, timeout=120)


def anonymous_token(source, repository, context):
    conn = connect(source, context)
    conn.request('GET', '/v2/')
    response = conn.getresponse()
    response.read()
    challenge = response.getheader('WWW-Authenticate') or ''
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    if 'realm' not in fields:
        return None
    query = urllib.parse.urlencode({'service': fields.get('service', ''), 'scope': f'repository:{repository}:pull'})
    realm = urllib.parse.urlsplit(fields['realm'])
    conn = connect(fields['realm'], context)
    conn.request('GET', f'{realm.path}?{query}')
    body = json.loads(conn.getresponse().read())
    return body.get('token') or body.get('access_token')


def main():
    source, repository, digest, size, destination, ca_file = sys.argv[1:7]
    size = int(size)
    credential = sys.stdin.readline().strip()
    context = ssl.create_default_context(cafile=ca_file)
    token = anonymous_token(source, repository, context)
    basic = 'Basic ' + base64.b64encode(credential.encode()).decode()

    upload = connect(destination, context)
    upload.request('POST', f'/v2/cse/relay/blobs/uploads/', headers={'Authorization': basic, 'Content-Length': '0'})
    started = upload.getresponse()
    started.read()
    location = urllib.parse.urlsplit(urllib.parse.urljoin(destination, started.getheader('Location')))
    query = (location.query + '&' if location.query else '') + urllib.parse.urlencode({'digest': digest})

    before, clock = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    download = connect(source, context)
    download.request('GET', f'/v2/{repository}/blobs/{digest}', headers={'Authorization': f'Bearer {token}'} if token else {})
    body = download.getresponse()
    if body.status in (301, 302, 307, 308):
        raise SystemExit('the source redirected the blob; the reference relay does not follow redirects')
    if body.status != 200:
        raise SystemExit(f'the source answered {body.status}')

    upload.putrequest('PUT', f'{location.path}?{query}')
    upload.putheader('Authorization', basic)
    upload.putheader('Content-Type', 'application/octet-stream')
    upload.putheader('Content-Length', str(size))
    upload.endheaders()
    sha256 = hashlib.sha256()
    buffer = memoryview(bytearray(CHUNK))
    sent = 0
    while True:
        n = body.readinto(buffer)
        if not n:
            break
        sha256.update(buffer[:n])
        upload.send(buffer[:n])
        sent += n
    committed = upload.getresponse()
    committed.read()
    after, seconds = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - clock
    print(json.dumps({
        'status': committed.status,
        'verified': sent == size and 'sha256:' + sha256.hexdigest() == digest,
        'seconds': seconds,
        'user': after.ru_utime - before.ru_utime,
        'system': after.ru_stime - before.ru_stime,
    }))


if __name__ == '__main__':
    main()
