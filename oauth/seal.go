package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Errors returned by [Sealer.Open]. Open wraps them with context, so test
// for them with [errors.Is].
var (
	// ErrStateExpired means the value was authentic but its expiry has passed.
	ErrStateExpired = errors.New("oauth: state cookie expired")

	// ErrStateInvalid means the value was malformed, tampered with, sealed
	// under another cookie name, or sealed with a secret that is no longer
	// configured.
	ErrStateInvalid = errors.New("oauth: invalid state cookie")
)

const (
	// MinSecretLength is the minimum length in bytes of each secret passed
	// to [NewSealer].
	MinSecretLength = 32

	// MaxSealedLength is the maximum length in characters of a sealed value.
	// Browsers need to store only 4096 bytes per cookie, name and attributes
	// included (RFC 6265, section 6.1), so a value near this length may be
	// dropped. Keep plaintexts well under 3000 bytes.
	MaxSealedLength = 4096

	sealVersion  = 1
	keyIDLength  = 4
	headerLength = 1 + keyIDLength
	expiryLength = 8

	// keyInfo and keyIDInfo are the HKDF info strings. Changing either one
	// makes every value sealed before the change unreadable.
	keyInfo   = "presetauth state cookie v1"
	keyIDInfo = "presetauth state cookie v1 key id"
)

// errNoKeys is returned by a Sealer that was not made by NewSealer.
var errNoKeys = errors.New("oauth: sealer has no key; create it with NewSealer")

// sealEncoding is unpadded base64url. Strict decoding rejects non-zero
// trailing bits, so each sealed byte string has exactly one accepted text form.
var sealEncoding = base64.RawURLEncoding.Strict()

// Sealer encrypts and authenticates short-lived values, such as the state
// cookie of a sign-in, with AES-256-GCM.
//
// The first secret given to [NewSealer] seals. Every secret opens, which
// allows rotation: deploy [new, old] first, and drop old once the values it
// sealed have expired. A Sealer is safe for concurrent use.
//
// A sealed value is the unpadded base64url encoding of
//
//	version (1 byte, 1) | key id (4 bytes) | nonce (12 bytes) | ciphertext | tag (16 bytes)
//
// where the ciphertext holds the expiry (Unix seconds, 8 bytes big-endian)
// followed by the plaintext. The additional authenticated data is the
// version, the key id and the cookie name.
type Sealer struct {
	keys []sealKey // keys[0] seals
}

// sealKey is the key material derived from one secret.
type sealKey struct {
	id   [keyIDLength]byte
	aead cipher.AEAD
}

// NewSealer derives one AES-256 key and key id per secret with HKDF-SHA256.
// It returns an error unless at least one secret is given and each secret
// is at least [MinSecretLength] bytes long. The secrets are not retained.
func NewSealer(secrets ...[]byte) (*Sealer, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("oauth: no secret given; use at least one secret of %d or more random bytes",
			MinSecretLength)
	}

	s := &Sealer{keys: make([]sealKey, 0, len(secrets))}
	for i, secret := range secrets {
		if len(secret) < MinSecretLength {
			return nil, fmt.Errorf("oauth: secret %d is %d bytes; use at least %d random bytes",
				i+1, len(secret), MinSecretLength)
		}
		key, err := deriveKey(secret)
		if err != nil {
			return nil, fmt.Errorf("oauth: secret %d: %w", i+1, err)
		}
		s.keys = append(s.keys, key)
	}
	return s, nil
}

// deriveKey runs HKDF-Extract once and HKDF-Expand twice, so the key id is
// independent of the encryption key and reveals nothing about it.
func deriveKey(secret []byte) (sealKey, error) {
	prk, err := hkdf.Extract(sha256.New, secret, nil)
	if err != nil {
		return sealKey{}, fmt.Errorf("derive key: %w", err)
	}
	encryptionKey, err := hkdf.Expand(sha256.New, prk, keyInfo, 32)
	if err != nil {
		return sealKey{}, fmt.Errorf("derive key: %w", err)
	}
	id, err := hkdf.Expand(sha256.New, prk, keyIDInfo, keyIDLength)
	if err != nil {
		return sealKey{}, fmt.Errorf("derive key id: %w", err)
	}

	block, err := aes.NewCipher(encryptionKey)
	if err != nil {
		return sealKey{}, fmt.Errorf("create cipher: %w", err)
	}
	// NOTE: with random 96-bit nonces one key should seal at most 2^32
	// values. Rotate the secret well before a deployment gets near that.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return sealKey{}, fmt.Errorf("create cipher: %w", err)
	}

	key := sealKey{aead: aead}
	copy(key.id[:], id)
	return key, nil
}

// Seal encrypts plaintext with the first secret, binding it to the cookie
// name and to expires, truncated to whole seconds. It returns an error if
// expires is the zero time or the sealed value would exceed [MaxSealedLength]
// characters, which happens for plaintexts over about 3000 bytes.
func (s *Sealer) Seal(name string, plaintext []byte, expires time.Time) (string, error) {
	if s == nil || len(s.keys) == 0 {
		return "", errNoKeys
	}
	if expires.IsZero() {
		return "", errors.New("oauth: seal state cookie: expiry is the zero time; set an expiry")
	}

	key := s.keys[0]
	rawLength := headerLength + key.aead.Overhead() + expiryLength + len(plaintext)
	if n := sealEncoding.EncodedLen(rawLength); n > MaxSealedLength {
		return "", fmt.Errorf("oauth: seal state cookie %q: plaintext of %d bytes gives a value of %d characters; max is %d",
			name, len(plaintext), n, MaxSealedLength)
	}

	header := [headerLength]byte{sealVersion}
	copy(header[1:], key.id[:])

	payload := make([]byte, expiryLength, expiryLength+len(plaintext))
	binary.BigEndian.PutUint64(payload, uint64(expires.Unix()))
	payload = append(payload, plaintext...)

	raw := make([]byte, headerLength, rawLength)
	copy(raw, header[:])
	raw = key.aead.Seal(raw, nil, payload, additionalData(header, name))
	return sealEncoding.EncodeToString(raw), nil
}

// Open checks and decrypts a value made by [Sealer.Seal] under the same
// cookie name. The value is expired when its expiry is at or before now.
//
// Errors wrap [ErrStateInvalid] or [ErrStateExpired] and name the cookie,
// never the value. Open does not panic on any input.
func (s *Sealer) Open(name, value string, now time.Time) ([]byte, error) {
	if s == nil || len(s.keys) == 0 {
		return nil, errNoKeys
	}
	if len(value) > MaxSealedLength {
		return nil, fmt.Errorf("%w: cookie %q is %d characters; max is %d",
			ErrStateInvalid, name, len(value), MaxSealedLength)
	}
	// The decoder skips CR and LF, so check the alphabet first to keep one
	// accepted text form per sealed value.
	if !isBase64URL(value) {
		return nil, fmt.Errorf("%w: cookie %q is not unpadded base64url", ErrStateInvalid, name)
	}
	raw, err := sealEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: cookie %q is not unpadded base64url", ErrStateInvalid, name)
	}

	minLength := headerLength + s.keys[0].aead.Overhead() + expiryLength
	if len(raw) < minLength {
		return nil, fmt.Errorf("%w: cookie %q is %d bytes after decoding; min is %d",
			ErrStateInvalid, name, len(raw), minLength)
	}
	if raw[0] != sealVersion {
		return nil, fmt.Errorf("%w: cookie %q has an unsupported format version; want %d",
			ErrStateInvalid, name, sealVersion)
	}

	header := [headerLength]byte(raw[:headerLength])
	payload, err := s.decrypt(header, raw[headerLength:], name)
	if err != nil {
		return nil, err
	}

	expires := time.Unix(int64(binary.BigEndian.Uint64(payload)), 0)
	if !expires.After(now) {
		return nil, fmt.Errorf("%w: cookie %q expired at %s",
			ErrStateExpired, name, expires.UTC().Format(time.RFC3339))
	}
	return payload[expiryLength:], nil
}

// decrypt opens ciphertext with each key whose id matches the header.
// Two secrets share a key id with probability 2^-32, so usually one key is
// tried.
func (s *Sealer) decrypt(header [headerLength]byte, ciphertext []byte, name string) ([]byte, error) {
	var keyID [keyIDLength]byte
	copy(keyID[:], header[1:])

	aad := additionalData(header, name)
	known := false
	for _, key := range s.keys {
		if key.id != keyID {
			continue
		}
		known = true
		payload, err := key.aead.Open(nil, nil, ciphertext, aad)
		if err == nil {
			return payload, nil
		}
	}

	if !known {
		return nil, fmt.Errorf("%w: cookie %q was sealed with a key id that no configured secret has",
			ErrStateInvalid, name)
	}
	return nil, fmt.Errorf("%w: cookie %q failed authentication; it was altered or sealed under another name",
		ErrStateInvalid, name)
}

func additionalData(header [headerLength]byte, name string) []byte {
	aad := make([]byte, 0, headerLength+len(name))
	aad = append(aad, header[:]...)
	return append(aad, name...)
}

func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
