package devstack

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Resources are the databases and broker vhosts a stack's configuration names.
type Resources struct {
	Databases []string // PostgreSQL connection strings (URL or keyword form)
	Vhosts    []string // RabbitMQ virtual hosts
}

// Resources collects what the effective environment of every app names: PostgreSQL
// connection strings (DATABASE_URL and *_DATABASE_URL) and the vhost of AMQP URLs.
func (o Options) Resources() Resources {
	var r Resources
	seen := map[string]bool{}
	for _, a := range o.Apps() {
		for k, v := range a.Env {
			switch {
			case (k == "DATABASE_URL" || strings.HasSuffix(k, "_DATABASE_URL")) && !seen[v]:
				seen[v] = true
				r.Databases = append(r.Databases, v)
			case strings.HasPrefix(v, "amqp://"):
				if u, err := url.Parse(v); err == nil {
					vh := strings.TrimPrefix(u.Path, "/")
					if vh != "" && !slices.Contains(r.Vhosts, vh) {
						r.Vhosts = append(r.Vhosts, vh)
					}
				}
			}
		}
	}
	slices.Sort(r.Databases)
	return r
}

var safeName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,63}$`)

// adminConn connects to the server of conn as the same user, to its postgres database.
func adminConn(ctx context.Context, conn string) (*pgx.Conn, string, error) {
	cfg, err := pgx.ParseConfig(conn)
	if err != nil {
		return nil, "", fmt.Errorf("parse %q: %w", conn, err)
	}
	name := cfg.Database
	if !safeName.MatchString(name) {
		return nil, "", fmt.Errorf("database name %q is not a plain identifier", name)
	}
	cfg.Database = "postgres"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("connect to postgres on %s: %w", cfg.Host, err)
	}
	return c, name, nil
}

// EnsureDatabase creates the database of conn if it does not exist.
func EnsureDatabase(ctx context.Context, conn string) error {
	c, name, err := adminConn(ctx, conn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	var exists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = c.Exec(ctx, `CREATE DATABASE "`+name+`"`)
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase removes the database of conn, disconnecting its sessions (test clean-up).
func DropDatabase(ctx context.Context, conn string) error {
	c, name, err := adminConn(ctx, conn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
	return err
}

// EnsureVhost creates a RabbitMQ vhost and gives the guest user full rights on it.
func EnsureVhost(ctx context.Context, vhost string) error {
	if !safeName.MatchString(vhost) {
		return fmt.Errorf("vhost %q is not a plain name", vhost)
	}
	out, err := exec.CommandContext(ctx, "rabbitmqctl", "-q", "list_vhosts").Output()
	if err != nil {
		return fmt.Errorf("rabbitmqctl list_vhosts: %w", err)
	}
	if !slices.Contains(strings.Fields(string(out)), vhost) {
		if out, err := exec.CommandContext(ctx, "rabbitmqctl", "-q", "add_vhost", vhost).CombinedOutput(); err != nil {
			return fmt.Errorf("rabbitmqctl add_vhost %s: %w: %s", vhost, err, out)
		}
	}
	if out, err := exec.CommandContext(ctx, "rabbitmqctl", "-q", "set_permissions", "-p", vhost,
		"guest", ".*", ".*", ".*").CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmqctl set_permissions %s: %w: %s", vhost, err, out)
	}
	// Each gateway sidecar has its own live-update queue (components/local/liveupdates.yaml,
	// consumer id {appID}-{uuid}); the broker removes one unused for 15 minutes, so restarts
	// leave nothing behind.
	if out, err := exec.CommandContext(ctx, "rabbitmqctl", "-q", "set_policy", "-p", vhost, "--apply-to", "queues",
		"registrar-live-updates", `^gateway-[0-9a-f-]{36}-`, `{"expires":900000}`).CombinedOutput(); err != nil {
		return fmt.Errorf("rabbitmqctl set_policy %s: %w: %s", vhost, err, out)
	}
	return nil
}

// DeleteVhost removes a RabbitMQ vhost and everything in it (test clean-up).
func DeleteVhost(ctx context.Context, vhost string) error {
	if !safeName.MatchString(vhost) {
		return fmt.Errorf("vhost %q is not a plain name", vhost)
	}
	out, err := exec.CommandContext(ctx, "rabbitmqctl", "-q", "delete_vhost", vhost).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "not_found") && !strings.Contains(string(out), "does not exist") {
		return fmt.Errorf("rabbitmqctl delete_vhost %s: %w: %s", vhost, err, out)
	}
	return nil
}

// Prepare creates every database and vhost the stack's configuration names.
func Prepare(ctx context.Context, o Options) error {
	r := o.Resources()
	for _, db := range r.Databases {
		if err := EnsureDatabase(ctx, db); err != nil {
			return err
		}
	}
	for _, vh := range r.Vhosts {
		if err := EnsureVhost(ctx, vh); err != nil {
			return err
		}
	}
	return nil
}
