package starter

import (
	"net/http"
	"net/netip"
	"strings"
)

// proxies are the trusted reverse proxies (inbound.trusted_proxies).
type proxies []netip.Prefix

func (p proxies) trusted(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the address of whoever sent r. Only a trusted proxy's
// X-Forwarded-For is read, from the right: each trusted proxy appends the
// address it got the request from, so the rightmost hop that is not a
// trusted proxy is the client, and anything left of it is what the client
// claimed (a client can write any X-Forwarded-For it likes). A hop that is
// not an address ends the walk: it is the client's, and invalid. ok is false
// when there is no valid client address.
func (p proxies) clientAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	addr := ap.Addr().Unmap()
	if len(p) == 0 || !p.trusted(addr) {
		return addr, true
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			hop := strings.TrimSpace(list[j])
			if hop == "" {
				continue
			}
			a, err := netip.ParseAddr(hop)
			if err != nil {
				ap, perr := netip.ParseAddrPort(hop) // some proxies add the port
				if perr != nil {
					return netip.Addr{}, false
				}
				a = ap.Addr()
			}
			addr = a.Unmap()
			if !p.trusted(addr) {
				return addr, true
			}
		}
	}
	// Every hop is a trusted proxy: the request began at the leftmost one.
	return addr, true
}
