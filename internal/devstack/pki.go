package devstack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// GeneratePKI has sentry create the development trust root (ca.crt) and issuer certificate
// and key in pkiDir, once: sentry writes them itself when it starts with an empty folder.
func GeneratePKI(ctx context.Context, daprBin, sentryConfig, pkiDir, scratch string) error {
	ca := filepath.Join(pkiDir, "ca.crt")
	if _, err := os.Stat(ca); err == nil {
		fmt.Printf("    ok mTLS root and issuer in %s\n", pkiDir)
		return nil
	}
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return err
	}
	// A port of its own (below the stacks' blocks) so a running stack is never disturbed.
	p, err := startProc("sentry-pki", RoleControl, []string{filepath.Join(daprBin, "sentry"),
		"--mode", "standalone", "--config", sentryConfig, "--issuer-credentials", pkiDir, "--trust-domain", "localhost",
		"--listen-address", "127.0.0.1", "--port", "20901", "--healthz-port", "20902",
		"--enable-metrics=false", "--log-level", "warn"}, os.Environ(), pkiDir, filepath.Join(scratch, "sentry-pki.log"))
	if err != nil {
		return err
	}
	defer p.Stop(5 * time.Second)
	if err := waitFor(ctx, 30*time.Second, func() bool {
		if !p.Alive() {
			return true
		}
		for _, f := range []string{"ca.crt", "issuer.crt", "issuer.key"} {
			if _, err := os.Stat(filepath.Join(pkiDir, f)); err != nil {
				return false
			}
		}
		return true
	}); err != nil {
		return fmt.Errorf("sentry did not write the trust root (see %s): %w", p.Log, err)
	}
	if _, err := os.Stat(ca); err != nil {
		return fmt.Errorf("sentry exited without writing the trust root (see %s)", p.Log)
	}
	fmt.Printf("    ok generated mTLS root and issuer in %s\n", pkiDir)
	return nil
}
