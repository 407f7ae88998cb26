package hooks_test

import (
	"fmt"
	"time"

	"github.com/zhonglou/ecospace/server/hooks"
)

// A receiver checks each delivery before it acts on it: the signature
// over the Ecospace-Timestamp header, a dot and the body exactly as
// received, under the secret it was given when the hook was added, and
// that the timestamp is recent. In an http.Handler:
//
//	body, _ := io.ReadAll(r.Body)
//	err := hooks.Verify(secret, r.Header.Get("Ecospace-Signature"),
//		r.Header.Get("Ecospace-Timestamp"), body, time.Now(), 5*time.Minute)
//
// then it deduplicates by the Ecospace-Delivery header (the delivery_id in
// the body): a delivery may arrive more than once, always under its id.
func ExampleVerify() {
	secret := "whsec_5f1c…" // from POST /api/v1/hooks, shown once
	body := []byte(`{"delivery_id":"0193a0c2-7a10-7c3e-9d55-2f9a1c1b0001","event_id":"0193a0c2-7a0f-7aa1-8c11-3b1e3f0e0001","type":"decision.changed","timestamp":"2026-12-06T09:00:00Z","data":{}}`)
	timestamp := "1796547600" // Ecospace-Timestamp
	signature := hooks.Sign(secret, timestamp, body)
	fmt.Println(signature[:7])

	now := time.Unix(1796547630, 0)
	fmt.Println(hooks.Verify(secret, signature, timestamp, body, now, 5*time.Minute))
	fmt.Println(hooks.Verify(secret, signature, timestamp, append(body, ' '), now, 5*time.Minute))
	fmt.Println(hooks.Verify(secret, signature, timestamp, body, now.Add(time.Hour), 5*time.Minute) != nil)
	// Output:
	// sha256=
	// <nil>
	// hooks: signature does not match
	// true
}
