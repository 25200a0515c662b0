package tenancy

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Typed views of the core collections, in the style of PocketBase's core/*_model.go: a
// struct around the record with one getter per field, so that a field name is written
// once (here) and the compiler catches a typo that GetString("organisaton") would not.
// They add no behaviour: Record stays reachable for everything else, and a zero value
// (nil Record) must not be used. Wrap a record with OrganisationRecord{r}, MessageRecord{r}, ….

// The core collections' names.
const (
	CollOrganisations  = "organisations"
	CollMemberships    = "memberships"
	CollChannels       = "channels"
	CollChannelMembers = "channel_members"
	CollMessages       = "messages"
	CollDevices        = "devices"
)

// OrganisationRecord is a record of organisations: a tenant.
type OrganisationRecord struct{ *core.Record }

func (o OrganisationRecord) Name() string   { return o.GetString("name") }
func (o OrganisationRecord) Short() string  { return o.GetString("short") }
func (o OrganisationRecord) Kind() string   { return o.GetString("kind") } // "host" for the crisis staff
func (o OrganisationRecord) Color() string  { return o.GetString("color") }
func (o OrganisationRecord) Status() string { return o.GetString("status") }

// Active reports whether its people may act through it (status OrgActive).
func (o OrganisationRecord) Active() bool { return o.Status() == OrgActive }

// IsHost reports whether it is the crisis staff's own organisation.
func (o OrganisationRecord) IsHost() bool { return o.Kind() == "host" }

// MembershipRecord is a record of memberships: a person in an organisation with a role.
type MembershipRecord struct{ *core.Record }

func (m MembershipRecord) User() string                { return m.GetString("user") }
func (m MembershipRecord) Organisation() string        { return m.GetString("organisation") }
func (m MembershipRecord) Role() string                { return m.GetString("role") } // admin, operator, member, guest
func (m MembershipRecord) Function() string            { return m.GetString("function") }
func (m MembershipRecord) Expires() types.DateTime     { return m.GetDateTime("expires") }
func (m MembershipRecord) SetRole(role string)         { m.Set("role", role) }
func (m MembershipRecord) SetExpires(t types.DateTime) { m.Set("expires", t) }

// IsGuest reports whether the membership is a guest's (it reaches only its invitation).
func (m MembershipRecord) IsGuest() bool { return m.Role() == "guest" }

// ChannelRecord is a record of channels: an organisation's own, a shared one, a direct or a
// group conversation.
type ChannelRecord struct{ *core.Record }

func (c ChannelRecord) Name() string            { return c.GetString("name") }
func (c ChannelRecord) Kind() string            { return c.GetString("kind") } // org, shared, direct, group
func (c ChannelRecord) Topic() string           { return c.GetString("topic") }
func (c ChannelRecord) Organisation() string    { return c.GetString("organisation") }
func (c ChannelRecord) Organisations() []string { return c.GetStringSlice("organisations") }
func (c ChannelRecord) Archived() bool          { return c.GetBool("archived") }
func (c ChannelRecord) CreatedBy() string       { return c.GetString("created_by") }

// Orgs lists the organisations taking part, owner first (ChannelOrgs).
func (c ChannelRecord) Orgs() []string { return ChannelOrgs(c.Record) }

// ChannelMemberRecord is a record of channel_members: a person's row in a channel, given by an
// organisation.
type ChannelMemberRecord struct{ *core.Record }

func (m ChannelMemberRecord) Channel() string              { return m.GetString("channel") }
func (m ChannelMemberRecord) User() string                 { return m.GetString("user") }
func (m ChannelMemberRecord) Role() string                 { return m.GetString("role") } // owner, member, readonly
func (m ChannelMemberRecord) Organisation() string         { return m.GetString("organisation") }
func (m ChannelMemberRecord) LastRead() types.DateTime     { return m.GetDateTime("last_read") }
func (m ChannelMemberRecord) Expires() types.DateTime      { return m.GetDateTime("expires") }
func (m ChannelMemberRecord) SetRole(role string)          { m.Set("role", role) }
func (m ChannelMemberRecord) SetLastRead(t types.DateTime) { m.Set("last_read", t) }

// MessageRecord is a record of messages.
type MessageRecord struct{ *core.Record }

func (m MessageRecord) Channel() string       { return m.GetString("channel") }
func (m MessageRecord) Author() string        { return m.GetString("author") } // "" when a device wrote it
func (m MessageRecord) Device() string        { return m.GetString("device") }
func (m MessageRecord) Body() string          { return m.GetString("body") }
func (m MessageRecord) Priority() string      { return m.GetString("priority") } // normal, immediate, flash
func (m MessageRecord) AckRequired() bool     { return m.GetBool("ack_required") }
func (m MessageRecord) Attachments() []string { return m.GetStringSlice("attachments") }
func (m MessageRecord) ClientKey() string     { return m.GetString("client_key") }
func (m MessageRecord) Deleted() bool         { return m.GetBool("deleted") }
func (m MessageRecord) ReplyTo() string       { return m.GetString("reply_to") }

// DeviceRecord is a record of devices: a siren, relay, board, fax or SMS modem that signs in to
// the broker.
type DeviceRecord struct{ *core.Record }

func (d DeviceRecord) Username() string     { return d.GetString("username") }
func (d DeviceRecord) Name() string         { return d.GetString("name") }
func (d DeviceRecord) Organisation() string { return d.GetString("organisation") }
func (d DeviceRecord) Kind() string         { return d.GetString("kind") }
func (d DeviceRecord) Driver() string       { return d.GetString("driver") }
func (d DeviceRecord) Topic() string        { return d.GetString("topic") }
func (d DeviceRecord) Zone() string         { return d.GetString("zone") }
func (d DeviceRecord) Online() bool         { return d.GetBool("online") }
