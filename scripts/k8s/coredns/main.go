// CoreDNS with only what the local cluster's DNS needs: Service and Pod names from the API, the rest
// forwarded to the node's resolver. Fewer plugins than the stock build, so it builds in a fraction of the time.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The order of the server's plugin chain, as in CoreDNS's own plugin.cfg.
func init() {
	dnsserver.Directives = []string{"ready", "health", "errors", "cache", "kubernetes", "loop", "forward"}
}

func main() {
	coremain.Run()
}
