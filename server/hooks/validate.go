package hooks

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/zhonglou/ecospace/data"
)

// MinSecret is the fewest characters a secret given by an admin has.
const MinSecret = 16

// CheckURL refuses a hook URL that is not an absolute http or https URL
// without credentials.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("url %q must be an absolute http or https URL without credentials", clip(raw))
	}
	return nil
}

// CheckEvents refuses an empty list, an unknown event type and one given
// twice; at is the index of the one refused (-1 for an empty list).
func CheckEvents(events []string) (at int, err error) {
	known := strings.Join(data.EventTypes(), ", ")
	if len(events) == 0 {
		return -1, fmt.Errorf("name at least one event of %s", known)
	}
	for i, ev := range events {
		if !slices.Contains(data.EventTypes(), ev) {
			return i, fmt.Errorf("event %q is not known; the events are %s", clip(ev), known)
		}
		if slices.Contains(events[:i], ev) {
			return i, fmt.Errorf("event %q is given twice", ev)
		}
	}
	return 0, nil
}

// CheckSecret refuses a secret too short to sign with ("" is fine: one
// is made).
func CheckSecret(s string) error {
	if s != "" && len(s) < MinSecret {
		return fmt.Errorf("a secret has at least %d characters; leave it out to have one made", MinSecret)
	}
	return nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
