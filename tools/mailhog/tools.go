//go:build tools

// Package tools pins MailHog for `go mod tidy`; the binary is built straight from the
// github.com/mailhog/MailHog main package (scripts/build-mailhog.sh).
package tools

import _ "github.com/mailhog/MailHog"
