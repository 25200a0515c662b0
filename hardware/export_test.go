package hardware

// MaxMessageExpiry exposes the running broker's message expiry cap to the tests.
func MaxMessageExpiry(b *Broker) int64 {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return b.Server.Options.Capabilities.MaximumMessageExpiryInterval
}

// Connections counts a device's open connections as the broker tracks them.
func Connections(b *Broker, username string) int {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return len(b.conns[username])
}
