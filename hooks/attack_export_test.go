package hooks

// The SQL spelling of the live definitions, for the external test that holds the Go,
// SQL and rule spellings together.
var (
	LiveMembershipSQL    = liveMembershipSQL
	LiveChannelMemberSQL = liveChannelMemberSQL
)
