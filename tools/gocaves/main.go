// Command gocaves runs the gocaves Couchbase mock (v0.0.1, KV only) as the local stack's
// Couchbase-protocol server: one node on 127.0.0.1 with fixed ports, the buckets of
// -buckets, and the mock's fixed login (user Administrator, password "password": a
// development stand-in on loopback, nothing secret). gocaves' own command starts a cluster
// on random ports of every interface; this main uses its mockimpl package instead, with the
// listen patch scripts/build-gocaves.sh adds to its servers package.
//
// The node's services take consecutive ports from -port: KV (memcached protocol) first, then
// management, views, query, search and analytics (all but KV answer "not implemented").
// The mock keeps everything in memory: a restart starts empty.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/couchbaselabs/gocaves/mock"
	"github.com/couchbaselabs/gocaves/mock/mockimpl"
	"github.com/couchbaselabs/gocaves/mock/mockimpl/servers"
)

// servicesPerNode is how many listeners one mock node opens (KV, mgmt, views, query, search,
// analytics); TLS listeners are off.
const servicesPerNode = 6

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on (loopback only)")
	port := flag.Int("port", 21040, "first port: KV here, the other services on the next five")
	buckets := flag.String("buckets", "registrar", "comma-separated names of the buckets to create")
	verbose := flag.Bool("verbose", false, "keep logging after start-up (the mock logs every packet it sends and receives, passwords of logins included)")
	flag.Parse()
	if err := run(*host, *port, strings.Split(*buckets, ","), *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "gocaves:", err)
		os.Exit(1)
	}
}

func run(host string, port int, buckets []string, verbose bool) error {
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-host %q: only loopback addresses are allowed for the local stack", host)
	}
	if port <= 0 || port+servicesPerNode-1 >= 32768 {
		return fmt.Errorf("-port %d: the ports must stay below 32768", port)
	}
	servers.SetListenAddresses(host, port, port+servicesPerNode-1)

	cluster, err := mockimpl.NewCluster(mock.NewClusterOptions{InitialNode: mock.NewNodeOptions{}})
	if err != nil {
		return fmt.Errorf("start mock cluster: %w", err)
	}
	// One node and no replicas: the KV service is the only thing clients need.
	for _, b := range buckets {
		if _, err := cluster.AddBucket(mock.NewBucketOptions{
			Name: strings.TrimSpace(b), Type: mock.BucketTypeCouchbase, NumReplicas: 0,
		}); err != nil {
			return fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	kv := cluster.Nodes()[0].KvService().ListenPort()
	if kv != port {
		return fmt.Errorf("KV listens on %d, not %d: the listen patch is missing", kv, port)
	}
	line, _ := json.Marshal(map[string]string{
		"connstr": fmt.Sprintf("couchbase://%s:%d", host, kv), "buckets": strings.Join(buckets, ","), "username": "Administrator",
	})
	fmt.Println(string(line))
	if !verbose {
		log.SetOutput(io.Discard)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	log.Print("gocaves: stopping")
	return nil
}
