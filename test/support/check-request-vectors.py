"""An independent reading of docs/requests-encryption.md with Python's cryptography package (python3-cryptography):
it opens every vector of docs/requests-test-vectors.json with the requester key, reproduces the fingerprint,
re-seals each with its ephemeral key and IV, and checks that altered answers and swapped bindings fail.
Run by test/docs/requests-encryption-independent.test.ts; prints one line and exits 0 when all agree."""
import json, sys, base64, hashlib
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.exceptions import InvalidTag

LABEL = b'passdrop/request-answer/v1'

def b64d(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))

def b64e(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()

def private_key(d):
    return ec.derive_private_key(int.from_bytes(b64d(d), 'big'), ec.SECP256R1())

def public_key(raw):
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)

def content_key(shared, ephemeral_raw, requester_raw):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_raw + requester_raw, info=LABEL + b'|content').derive(shared)

def aad(v, header):
    return LABEL + ('|%s|%s|%s' % (v['requestToken'], v['answerId'], v['kind'])).encode() + header[:67]

def open_answer(v, data):
    if data[0] != 1 or data[1] != 1: raise ValueError('header')
    ephemeral_raw, iv = data[2:67], data[67:79]
    requester_raw = b64d(v['publicKey'])
    shared = private_key(v['requesterKey']).exchange(ec.ECDH(), public_key(ephemeral_raw))
    return AESGCM(content_key(shared, ephemeral_raw, requester_raw)).decrypt(iv, data[79:], aad(v, data))

def seal_answer(v):
    requester_raw = b64d(v['publicKey'])
    ephemeral = private_key(v['ephemeralPrivateKey'])
    ephemeral_raw = b64d(v['ephemeralPublicKey'])
    assert ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint) == ephemeral_raw
    shared = ephemeral.exchange(ec.ECDH(), public_key(requester_raw))
    header = bytes([1, 1]) + ephemeral_raw + b64d(v['iv'])
    return b64e(header + AESGCM(content_key(shared, ephemeral_raw, requester_raw)).encrypt(b64d(v['iv']), v['plaintext'].encode(), aad(v, header)))

vectors = json.load(open(sys.argv[1]))
failures = 0
for v in vectors:
    data = b64d(v['ciphertext'])
    assert open_answer(v, data).decode() == v['plaintext'], v['description']
    fingerprint = b64e(hashlib.sha256(b'passdrop/request-key/v1|P-256|' + b64d(v['publicKey'])).digest())
    assert fingerprint == v['fingerprint'], v['description']
    assert seal_answer(v) == v['ciphertext'], v['description']
    for changed in [dict(v, requestToken='X' + v['requestToken'][1:]), dict(v, answerId='X' + v['answerId'][1:]), dict(v, kind='files')]:
        try:
            open_answer(changed, data); raise AssertionError('a changed binding opened: ' + v['description'])
        except InvalidTag:
            failures += 1
    tampered = bytearray(data); tampered[-1] ^= 1
    try:
        open_answer(v, bytes(tampered)); raise AssertionError('an altered answer opened')
    except InvalidTag:
        failures += 1
print('all vectors agree: %d answers, %d refusals' % (len(vectors), failures))
