package surge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// api calls the gateway's public API.
type api struct {
	base string
	http *http.Client
}

func newAPI(base string, conns int) *api {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}
	return &api{base: base, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// answer is one HTTP exchange: status (0 when the request failed), body, latency.
type answer struct {
	status     int
	body       []byte
	latency    time.Duration
	retryAfter time.Duration
	err        error
}

func (a *api) do(ctx context.Context, method, path, token string, body any, headers ...string) answer {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := a.http.Do(req)
	if err != nil {
		return answer{latency: time.Since(start), err: err}
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ans := answer{status: resp.StatusCode, body: b, latency: time.Since(start)}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
		ans.retryAfter = time.Duration(s) * time.Second
	}
	return ans
}

// login returns an access token, waiting out 429s and 503s (login is not measured).
func (a *api) login(ctx context.Context, user, password string) (string, error) {
	// A platform just started may answer 503 for a while (identity warming up behind its
	// sidecar); give it two minutes, then say what it answered.
	giveUp := time.Now().Add(2 * time.Minute)
	for {
		ans := a.do(ctx, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": user, "password": password})
		switch {
		case ans.err != nil && ctx.Err() != nil:
			return "", ctx.Err()
		case ans.status == http.StatusOK:
			var v struct {
				AccessToken string `json:"accessToken"`
			}
			if err := json.Unmarshal(ans.body, &v); err != nil || v.AccessToken == "" {
				return "", fmt.Errorf("login %s: unreadable answer %s", user, ans.body)
			}
			return v.AccessToken, nil
		case (ans.status == http.StatusTooManyRequests || ans.status == http.StatusServiceUnavailable || ans.err != nil) && time.Now().Before(giveUp):
			wait := max(ans.retryAfter, 500*time.Millisecond)
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
		default:
			return "", fmt.Errorf("login %s: %d %s %v", user, ans.status, ans.body, ans.err)
		}
	}
}

// created reads the id of a created resource.
func created(ans answer, what string) (string, error) {
	if ans.status != http.StatusCreated {
		return "", fmt.Errorf("create %s: %d %s %v", what, ans.status, ans.body, ans.err)
	}
	var v struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ans.body, &v); err != nil || v.ID == "" {
		return "", fmt.Errorf("create %s: unreadable answer %s", what, ans.body)
	}
	return v.ID, nil
}
