package check

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ParseFacts reads declared facts: a JSON object of fact id → true or
// false; absent, empty or null is none. ptr is where the object was given
// (…/facts); an unknown fact, a value that is not a boolean or a fact
// given twice is a 400 pointing at it.
func (c *Checker) ParseFacts(raw json.RawMessage, ptr string) (map[string]bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	known := strings.Join(c.rules.FactIDs(), ", ")
	if raw[0] != '{' {
		return nil, badInput("invalid-facts", "Invalid facts", ptr,
			"facts must be an object of fact → true or false (facts: %s)", known)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, badInput("invalid-facts", "Invalid facts", ptr, "facts is not a valid JSON object: %v", err)
	}
	out := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, badInput("invalid-facts", "Invalid facts", ptr, "facts is not a valid JSON object: %v", err)
		}
		name, _ := tok.(string)
		p := ptr + "/" + pointerToken(name)
		if _, ok := c.rules.Fact(name); !ok {
			return nil, badInput("unknown-fact", "Unknown fact", p, "fact %q is not known; the facts are %s", clip(name), known)
		}
		if _, dup := out[name]; dup {
			return nil, badInput("invalid-facts", "Fact given twice", p, "fact %q is given twice", name)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, badInput("invalid-facts", "Invalid facts", p, "facts is not a valid JSON object: %v", err)
		}
		switch string(v) {
		case "true":
			out[name] = true
		case "false":
			out[name] = false
		default:
			return nil, badInput("invalid-fact", "Invalid fact value", p, "fact %q must be true or false, not %s", name, clip(string(v)))
		}
	}
	if _, err := dec.Token(); err != nil || dec.More() {
		return nil, badInput("invalid-facts", "Invalid facts", ptr, "facts is not a single JSON object")
	}
	return out, nil
}

// MergeFacts lays over on base: a batch's top-level facts are every
// feature's defaults, and a feature's own facts override them one by one.
func MergeFacts(base, over map[string]bool) map[string]bool {
	if len(base) == 0 {
		return over
	}
	out := make(map[string]bool, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// pointerToken escapes a member name for a JSON pointer (RFC 6901).
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
