package adapters

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/admission/app"
)

// BindingClient is the part of the Dapr client the form store uses.
type BindingClient interface {
	InvokeBinding(ctx context.Context, in *dapr.InvokeBindingRequest) (*dapr.BindingEvent, error)
}

// BindingFormStore keeps admission forms in object storage through a Dapr S3 output
// binding (bindings.aws.s3): versitygw locally, AWS S3 in production. The component holds
// the endpoint, bucket and credentials; the app only names it.
type BindingFormStore struct {
	Client  func(context.Context) (BindingClient, error)
	Binding string
	// Prefix is put before every object key (tests use their own).
	Prefix string
}

var _ app.FormStore = (*BindingFormStore)(nil)

func (s *BindingFormStore) invoke(ctx context.Context, op string, data []byte, meta map[string]string) (*dapr.BindingEvent, error) {
	c, err := s.Client(ctx)
	if err != nil {
		return nil, err
	}
	out, err := c.InvokeBinding(ctx, &dapr.InvokeBindingRequest{Name: s.Binding, Operation: op, Data: data, Metadata: meta})
	if err != nil {
		return nil, fmt.Errorf("%s %s on binding %s: %w", op, meta["key"], s.Binding, err)
	}
	return out, nil
}

// Put stores the PDF under key. The bytes travel base64-encoded and the binding decodes
// them (decodeBase64), so nothing on the way treats the PDF as text.
func (s *BindingFormStore) Put(ctx context.Context, key string, pdf []byte) error {
	data := []byte(base64.StdEncoding.EncodeToString(pdf))
	_, err := s.invoke(ctx, "create", data, map[string]string{"key": s.Prefix + key,
		"decodeBase64": "true", "Content-Type": "application/pdf"})
	return err
}

// Get returns the object's bytes (tests and operators; the app hands out links).
func (s *BindingFormStore) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.invoke(ctx, "get", nil, map[string]string{"key": s.Prefix + key, "encodeBase64": "true"})
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(string(out.Data))
}

// Delete removes the object; a missing object is not an error.
func (s *BindingFormStore) Delete(ctx context.Context, key string) error {
	_, err := s.invoke(ctx, "delete", nil, map[string]string{"key": s.Prefix + key})
	if err != nil && strings.Contains(err.Error(), "object not found") {
		return nil
	}
	return err
}

// List returns the keys under prefix (below the store's own prefix), up to 1000.
func (s *BindingFormStore) List(ctx context.Context, prefix string) ([]string, error) {
	req, _ := json.Marshal(map[string]any{"prefix": s.Prefix + prefix, "maxResults": 1000})
	out, err := s.invoke(ctx, "list", req, nil)
	if err != nil {
		return nil, err
	}
	var res struct {
		Contents []struct {
			Key string `json:"Key"`
		} `json:"Contents"`
	}
	if err := json.Unmarshal(out.Data, &res); err != nil {
		return nil, fmt.Errorf("decode list answer: %w", err)
	}
	keys := make([]string, 0, len(res.Contents))
	for _, c := range res.Contents {
		keys = append(keys, strings.TrimPrefix(c.Key, s.Prefix))
	}
	return keys, nil
}

// DownloadURL asks the binding for a presigned GET of the object, valid for ttl.
func (s *BindingFormStore) DownloadURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	out, err := s.invoke(ctx, "presign", nil, map[string]string{"key": s.Prefix + key, "presignTTL": ttl.String()})
	if err != nil {
		return "", err
	}
	var res struct {
		PresignURL string `json:"presignURL"`
	}
	if err := json.Unmarshal(out.Data, &res); err != nil || res.PresignURL == "" {
		return "", fmt.Errorf("presign %s: no URL in the answer %q", key, out.Data)
	}
	return res.PresignURL, nil
}
