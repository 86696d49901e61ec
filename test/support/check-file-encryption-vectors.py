"""An independent reading of docs/file-encryption.md with Python's cryptography package (python3-cryptography):
it opens, re-seals and refuses every vector in docs/file-encryption-test-vectors.json from the document
alone, so the document, the vectors and the TypeScript code cannot drift apart unnoticed.
Run by test/docs/file-encryption-independent.test.ts; prints one line and exits 0 when all agree."""
import json, struct, hashlib, base64, unicodedata
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.exceptions import InvalidTag

def hkdf(ikm, salt, info, n=32):
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=salt, info=info).derive(ikm)

class Err(Exception): pass

def open_stream(data, file_key, purpose):
    if len(data) < 42: raise Err('truncated')
    h = data[:42]
    if h[:4] != b'PDRS': raise Err('malformed')
    if h[4] != 1: raise Err('unsupported-version')
    if h[5] != 0: raise Err('malformed')
    rs = struct.unpack('>I', h[6:10])[0]
    if rs < 1024 or rs > 16*1024*1024: raise Err('malformed')
    key = hkdf(file_key, h[10:42], b'passdrop/record-stream/v1|' + purpose.encode())
    g = AESGCM(key)
    body = data[42:]
    if len(body) < 16: raise Err('truncated')
    sealed = rs + 16
    out = b''
    i = 0
    while True:
        rec = body[i*sealed:(i+1)*sealed]
        last = (i+1)*sealed >= len(body)
        nonce = i.to_bytes(11, 'big') + (b'\x01' if last else b'\x00')
        try:
            p = g.decrypt(nonce, rec, h)
        except InvalidTag:
            if last and len(rec) == sealed:
                try:
                    g.decrypt(i.to_bytes(11, 'big') + b'\x00', rec, h); raise Err('truncated')
                except InvalidTag: pass
            raise Err('decrypt-failed')
        if last:
            if len(p) == 0 and i > 0: raise Err('malformed')
            return out + p
        out += p
        i += 1

def seal_stream(pt, file_key, purpose, rs, salt):
    h = b'PDRS' + bytes([1, 0]) + struct.pack('>I', rs) + salt
    g = AESGCM(hkdf(file_key, salt, b'passdrop/record-stream/v1|' + purpose.encode()))
    recs = [pt[i:i+rs] for i in range(0, len(pt), rs)] or [b'']
    return h + b''.join(g.encrypt(i.to_bytes(11, 'big') + (b'\x01' if i == len(recs)-1 else b'\x00'), r, h) for i, r in enumerate(recs))

import sys
v = json.load(open(sys.argv[1] if len(sys.argv) > 1 else 'docs/file-encryption-test-vectors.json'))
B = bytes.fromhex
for s in v['streams']:
    assert open_stream(B(s['ciphertext']), B(s['fileKey']), s['purpose']) == B(s['plaintext']), s['description']
    assert seal_stream(B(s['plaintext']), B(s['fileKey']), s['purpose'], s['recordSize'], B(s['salt'])) == B(s['ciphertext']), s['description']
for f in v['failures']:
    try:
        open_stream(B(f['ciphertext']), B(f['fileKey']), f['purpose']); raise AssertionError('opened: ' + f['description'])
    except Err as e:
        assert str(e) == f['error'], (f['description'], str(e))
def b64(s): return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
def meta_json(m): return json.dumps({'name': m['name'], 'type': m['type'], 'size': m['size']}, ensure_ascii=False, separators=(',', ':')).encode()
for e in v['e2eFiles']:
    secret = b64(e['linkSecret'])
    if e['passphrase']:
        salt = hashlib.sha256(b'passdrop/e2e/v1/passphrase-salt' + secret).digest()
        pk = hashlib.pbkdf2_hmac('sha256', unicodedata.normalize('NFC', e['passphrase']).encode(), salt, e['iterations'], 32)
        ikm = secret + pk; info = b'passdrop/e2e/v1/files+passphrase'
        proof = base64.urlsafe_b64encode(hkdf(ikm, bytes(32), b'passdrop/e2e/v1/access-proof')).rstrip(b'=').decode()
        assert proof == e['accessProof']
    else:
        ikm = secret; info = b'passdrop/e2e/v1/files'
    root = hkdf(ikm, bytes(32), info)
    assert root.hex() == e['fileRoot']
    fk = hkdf(root, bytes(32), ('passdrop/e2e/v1/file|%d' % e['index']).encode())
    assert fk.hex() == e['fileKey']
    m = open_stream(B(e['sealedMetadata']), fk, 'file-metadata')
    assert len(m) % 256 == 0 and json.loads(m) == e['metadata'] and m.rstrip(b' ') == meta_json(e['metadata']), m
    assert open_stream(B(e['ciphertext']), fk, 'file-content') == B(e['plaintext'])
for sfile in v['serverFiles']:
    env = B(sfile['wrappedKey']); mk = B(sfile['masterKey'])
    field = 'file-key.' + sfile['fileId']
    assert env[2:10].hex() == hashlib.sha256(b'passdrop:master-key-id:' + mk).digest()[:8].hex()
    dk = AESGCM(mk).decrypt(env[10:22], env[22:70], env[0:10] + ('passdrop/envelope/v1/wrap|%s|%s' % (sfile['pushToken'], field)).encode())
    ck = dk if not sfile['passphraseKey'] else hkdf(dk + B(sfile['passphraseKey']), b'', ('passdrop/envelope/v1/passphrase|%s|%s' % (sfile['pushToken'], field)).encode())
    data_key = AESGCM(ck).decrypt(env[70:82], env[98:] + env[82:98], env[0:2] + ('passdrop/envelope/v1/content|%s|%s' % (sfile['pushToken'], field)).encode())
    assert data_key.hex() == sfile['dataKey']
    assert json.loads(open_stream(B(sfile['sealedMetadata']), data_key, 'file-metadata')) == sfile['metadata']
    assert open_stream(B(sfile['ciphertext']), data_key, 'file-content') == B(sfile['plaintext'])
print('all vectors agree:', len(v['streams']), 'streams,', len(v['failures']), 'failures,', len(v['e2eFiles']), 'E2E files,', len(v['serverFiles']), 'server files')
