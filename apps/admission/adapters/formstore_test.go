package adapters_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/admission/adapters"
	"github.com/registrar-edu/registrar/internal/platform/daprx/daprdtest"
)

// formStore runs the adapter through a real daprd loading components/local/admission-forms.yaml
// against the local versitygw, in the registrar-test bucket under a prefix of the test's
// own; whatever the test leaves there is deleted afterwards.
func formStore(t *testing.T) *adapters.BindingFormStore {
	t.Helper()
	home := os.Getenv("REGISTRAR_HOME")
	if home == "" {
		home = filepath.Join(os.Getenv("HOME"), ".cache", "registrar")
	}
	var creds []string
	for _, f := range []struct{ file, secret string }{{"s3-access-key.txt", "S3_ACCESS_KEY"}, {"s3-secret-key.txt", "S3_SECRET_KEY"}} {
		b, err := os.ReadFile(filepath.Join(home, "keys", f.file))
		if err != nil {
			t.Fatalf("S3 development credentials missing (run make setup): %v", err)
		}
		creds = append(creds, "REGISTRAR_SECRET_"+f.secret+"="+string(b))
	}
	sc := daprdtest.Start(t, "admission", []string{"admission-forms.yaml", "secretstore.yaml"},
		append(creds, "REGISTRAR_SECRET_ADMISSION_FORMS_BUCKET=registrar-test")...)
	store := &adapters.BindingFormStore{Binding: "admission-forms", Prefix: "t-" + uuid.NewString()[:8] + "/",
		Client: func(context.Context) (adapters.BindingClient, error) { return sc.Client, nil }}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		keys, _ := store.List(ctx, "")
		for _, k := range keys {
			_ = store.Delete(ctx, k)
		}
	})
	return store
}

func get(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestBindingFormStoreThroughARealSidecarAndVersitygw(t *testing.T) {
	store := formStore(t)
	ctx := context.Background()
	// Binary content that is not valid UTF-8 or JSON, with quotes at both ends: it must
	// arrive byte for byte (the binding unquotes JSON strings it is given as text).
	pdf := append([]byte("\"%PDF-1.3\n\x00\xff\xfe binary \x80\x81"), bytes.Repeat([]byte{0xe9}, 4096)...)
	pdf = append(pdf, '"')
	key := "forms/s1/admission-form-v1.pdf"
	if err := store.Put(ctx, key, pdf); err != nil {
		t.Fatal(err)
	}
	got, err := store.Get(ctx, key)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("Get after Put: %d bytes, equal %v, %v", len(got), bytes.Equal(got, pdf), err)
	}
	if keys, err := store.List(ctx, "forms/s1/"); err != nil || len(keys) != 1 || keys[0] != key {
		t.Fatalf("List = %v, %v", keys, err)
	}

	// The presigned link downloads the object without credentials, for the given time.
	link, err := store.DownloadURL(ctx, key, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	if u.Host != "127.0.0.1:21030" || !strings.Contains(u.Path, "registrar-test/"+store.Prefix+key) ||
		u.Query().Get("X-Amz-Expires") != "120" || u.Query().Get("X-Amz-Signature") == "" {
		t.Fatalf("presigned link %s", link)
	}
	if status, body := get(t, link); status != http.StatusOK || !bytes.Equal(body, pdf) {
		t.Fatalf("download through the link: %d, %d bytes", status, len(body))
	}
	// Tampered or unsigned, S3 refuses it.
	q := u.Query()
	q.Set("X-Amz-Expires", "100000")
	tampered := *u
	tampered.RawQuery = q.Encode()
	unsigned := *u
	unsigned.RawQuery = ""
	for _, bad := range []string{tampered.String(), unsigned.String()} {
		if status, _ := get(t, bad); status != http.StatusForbidden {
			t.Fatalf("%s answered %d, want 403", bad, status)
		}
	}

	// Overwrite, delete, delete again (a missing object is not an error).
	if err := store.Put(ctx, key, []byte("%PDF-2")); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.Get(ctx, key); string(got) != "%PDF-2" {
		t.Fatalf("after overwrite: %q", got)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, key); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if keys, err := store.List(ctx, "forms/s1/"); err != nil || len(keys) != 0 {
		t.Fatalf("List after Delete = %v, %v", keys, err)
	}
}
