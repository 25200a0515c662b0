package tenancy_test

import (
	"os"
	"regexp"
	"testing"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// Every field the typed records read or write exists in its collection, so a field name
// written once in models.go is also written right.
func TestRecordProxiesNameRealFields(t *testing.T) {
	src, err := os.ReadFile("models.go")
	if err != nil {
		t.Fatal(err)
	}
	colls := map[string]string{
		"OrganisationRecord": tenancy.CollOrganisations, "MembershipRecord": tenancy.CollMemberships,
		"ChannelRecord": tenancy.CollChannels, "ChannelMemberRecord": tenancy.CollChannelMembers,
		"MessageRecord": tenancy.CollMessages, "DeviceRecord": tenancy.CollDevices,
	}
	s := testkit.StartServer(t, testkit.Options{NoMQTT: true})
	uses := regexp.MustCompile(`func \(\w+ (\w+Record)\) \w+\([^)]*\)[^{]*\{[^}]*\b(?:Get\w+|Set)\("([a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(uses) < 30 {
		t.Fatalf("found only %d field uses in models.go", len(uses))
	}
	for _, u := range uses {
		name, ok := colls[u[1]]
		if !ok {
			t.Errorf("%s: no collection", u[1])
			continue
		}
		c, err := s.App.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		if c.Fields.GetByName(u[2]) == nil {
			t.Errorf("%s reads %q, which %s does not have", u[1], u[2], name)
		}
	}
}
