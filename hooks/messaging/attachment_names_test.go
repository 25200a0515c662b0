package messaging_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"

	"crisisroom/testkit"
)

// An attachment keeps the name it was sent with ("Lageplan Nord.pdf"), next to the name
// PocketBase stores it under; a name the client claims in the field itself is not taken.
func TestAttachmentKeepsItsName(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("channel", s.Demo.Channels["Hochwasser Rhein"].Id)
	_ = w.WriteField("author", s.Demo.Users["jwagner"].Id)
	_ = w.WriteField("body", "Lageplan")
	_ = w.WriteField("attachment_names", `{"x.pdf":"Erfunden.pdf"}`)
	f, _ := w.CreateFormFile("attachments", "Lageplan Nord.pdf")
	_, _ = f.Write([]byte("%PDF-1.4 Lageplan"))
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/api/collections/messages/records", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", s.Token(t, "jwagner"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rec struct {
		Id          string            `json:"id"`
		Attachments []string          `json:"attachments"`
		Names       map[string]string `json:"attachment_names"`
	}
	if err := json.NewDecoder(res.Body).Decode(&rec); err != nil || res.StatusCode != 200 || len(rec.Attachments) != 1 {
		t.Fatalf("upload: HTTP %d %v %+v", res.StatusCode, err, rec)
	}
	if got := rec.Names[rec.Attachments[0]]; got != "Lageplan Nord.pdf" {
		t.Errorf("stored as %q, sent as %q: names %v", rec.Attachments[0], got, rec.Names)
	}
	if _, ok := rec.Names["x.pdf"]; ok || len(rec.Names) != 1 {
		t.Errorf("a name the client made up was kept: %v", rec.Names)
	}
}
