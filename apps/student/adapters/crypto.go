package adapters

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// FieldCipher encrypts personal data with AES-256-GCM. Keys come from the Dapr secret
// store as lines "<version>:<base64 key>"; the highest version encrypts, every version
// decrypts, so adding a key rotates without rewriting old rows. Each ciphertext is bound to
// its row and column (additional data), so a value copied to another row fails to decrypt.
type FieldCipher struct {
	ring atomic.Pointer[keyRing]
}

type keyRing struct {
	active int
	aeads  map[int]cipher.AEAD
}

// ErrKeysNotLoaded is returned until the keys arrive from the secret store.
var ErrKeysNotLoaded = errors.New("PII keys not loaded yet")

// SetKeys parses a key list and makes it current.
func (f *FieldCipher) SetKeys(list string) error {
	r := &keyRing{aeads: map[int]cipher.AEAD{}}
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, k, ok := strings.Cut(line, ":")
		ver, err := strconv.Atoi(v)
		if !ok || err != nil || ver < 1 {
			return fmt.Errorf("PII key line %q: want <version>:<base64 key>", v)
		}
		key, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(key) != 32 {
			return fmt.Errorf("PII key %d: want 32 bytes, base64", ver)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return err
		}
		r.aeads[ver] = aead
		r.active = max(r.active, ver)
	}
	if r.active == 0 {
		return errors.New("no PII key in the secret")
	}
	f.ring.Store(r)
	return nil
}

// Ready reports whether keys are loaded (a readiness dependency).
func (f *FieldCipher) Ready() error {
	if f.ring.Load() == nil {
		return ErrKeysNotLoaded
	}
	return nil
}

func aad(rowID, column string) []byte { return []byte("students/" + rowID + "/" + column) }

// Seal encrypts plaintext for one row and column.
func (f *FieldCipher) Seal(rowID, column, plaintext string) (string, error) {
	r := f.ring.Load()
	if r == nil {
		return "", ErrKeysNotLoaded
	}
	aead := r.aeads[r.active]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, []byte(plaintext), aad(rowID, column))
	return "v" + strconv.Itoa(r.active) + ":" + base64.StdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value sealed for the same row and column. Tampering, a wrong row or an
// unknown key version is an error, never a silent wrong value.
func (f *FieldCipher) Open(rowID, column, sealed string) (string, error) {
	r := f.ring.Load()
	if r == nil {
		return "", ErrKeysNotLoaded
	}
	v, b64, ok := strings.Cut(sealed, ":")
	ver, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	if !ok || err != nil || !strings.HasPrefix(v, "v") {
		return "", fmt.Errorf("%s of %s: not a sealed value", column, rowID)
	}
	aead, ok := r.aeads[ver]
	if !ok {
		return "", fmt.Errorf("%s of %s: sealed with unknown key version %d", column, rowID, ver)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", fmt.Errorf("%s of %s: malformed ciphertext", column, rowID)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], aad(rowID, column))
	if err != nil {
		return "", fmt.Errorf("%s of %s: decryption failed (tampered or wrong key): %w", column, rowID, err)
	}
	return string(plain), nil
}
