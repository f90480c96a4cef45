package adapters

import (
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/registrar-edu/registrar/apps/identity/app"
)

// KeyRing holds identity's Ed25519 signing keys, parsed from a PEM bundle (the secret
// JWT_SIGNING_KEYS). The last key signs; every key is published in the JWKS, so tokens
// signed before a rotation stay valid until they expire: rotation logs nobody out.
type KeyRing struct {
	keys   []ed25519.PrivateKey
	kids   []string
	signer jose.Signer
}

var _ app.Signer = (*KeyRing)(nil)

// ParseKeyRing reads PKCS#8 Ed25519 private keys from a PEM bundle, oldest first.
func ParseKeyRing(bundle []byte) (*KeyRing, error) {
	kr := &KeyRing{}
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", len(kr.keys)+1, err)
		}
		ed, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("signing key %d is not Ed25519", len(kr.keys)+1)
		}
		jwk := jose.JSONWebKey{Key: ed.Public()}
		thumb, err := jwk.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, err
		}
		kr.keys = append(kr.keys, ed)
		kr.kids = append(kr.kids, base64.RawURLEncoding.EncodeToString(thumb)[:16])
	}
	if len(kr.keys) == 0 {
		return nil, errors.New("no signing key in the bundle")
	}
	last := len(kr.keys) - 1
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: kr.keys[last], KeyID: kr.kids[last]}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	kr.signer = signer
	return kr, nil
}

// ActiveKeyID is the kid new tokens are signed with.
func (kr *KeyRing) ActiveKeyID() string { return kr.kids[len(kr.kids)-1] }

// Sign issues a signed access token.
func (kr *KeyRing) Sign(c app.AccessClaims) (string, error) {
	claims := jwt.Claims{Issuer: c.Issuer, Subject: c.Subject, Audience: jwt.Audience{c.Audience},
		IssuedAt: jwt.NewNumericDate(c.IssuedAt), NotBefore: jwt.NewNumericDate(c.IssuedAt),
		Expiry: jwt.NewNumericDate(c.ExpiresAt), ID: c.ID}
	extra := struct {
		Role      string `json:"role"`
		StudentID string `json:"sid,omitempty"`
	}{c.Role, c.StudentID}
	return jwt.Signed(kr.signer).Claims(claims).Claims(extra).Serialize()
}

// JWKS returns the public keys as a JSON Web Key Set.
func (kr *KeyRing) JWKS() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for i, k := range kr.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Public(), KeyID: kr.kids[i], Algorithm: string(jose.EdDSA), Use: "sig"})
	}
	return set
}
