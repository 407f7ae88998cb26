package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/server/hooks"
)

const hooksUsage = `usage:
  ecospace hooks add --url URL --events decision.changed,layer.published [--secret S] --database-url URL
  ecospace hooks list --database-url URL
  ecospace hooks remove HOOK_ID --database-url URL
  ecospace hooks deliveries HOOK_ID [--limit N] --database-url URL
  ecospace hooks redeliver DELIVERY_ID --database-url URL

Webhooks: every event of the types a hook names is POSTed to its URL as JSON
{delivery_id, event_id, type, timestamp, data}, signed with its secret
(Ecospace-Signature: sha256=HMAC-SHA256(secret, Ecospace-Timestamp + "." + body)),
at least once: retried with backoff for a day until the receiver answers 2xx,
then dead. add prints the secret once, on stdout. The hooks and their outbox
live in the PostGIS database (--database-url), where every serving ecospace
sends from them. The embedded store keeps them in the memory of the running
'ecospace serve': register them there through its API (POST /api/v1/hooks
with an admin key), which this command cannot reach.

flags:
`

func runHooks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, fs := subcommandFlags("hooks", hooksUsage, args, stderr)
	hookURL := fs.String("url", "", "add: where the events are POSTed (http or https)")
	events := fs.String("events", "", "add: comma-separated event types: "+strings.Join(data.EventTypes(), ", "))
	secret := fs.String("secret", "", "add: the signing secret (at least 16 characters); default: one is made and printed")
	limit := fs.Int("limit", 20, "deliveries: how many, newest first")
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostgreSQL/PostGIS URL (DATABASE_URL): the hooks live there")
	migrate := fs.Bool("migrate", false, "apply missing schema migrations first")
	if sub == "" {
		if len(args) > 0 && isHelpFlag(args[0]) {
			fs.Usage()
			return flag.ErrHelp
		}
		return usagef("name what to do: add, list, remove, deliveries or redeliver")
	}
	pos, err := parseFlagsAround(fs, args[1:])
	if err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "ecospace hooks %s: "+format+"\n", append([]any{sub}, a...)...)
		fmt.Fprintln(stderr, "run 'ecospace hooks -h' for help")
		return errUsage
	}
	wantArgs := map[string]int{"add": 0, "list": 0, "remove": 1, "deliveries": 1, "redeliver": 1}
	n, known := wantArgs[sub]
	switch {
	case !known:
		fmt.Fprintf(stderr, "ecospace hooks: unknown subcommand %q\n\n", sub)
		fmt.Fprint(stderr, hooksUsage)
		return errUsage
	case len(pos) != n && n == 0:
		return bad("unexpected argument %q", pos[0])
	case len(pos) != n:
		return bad("name one id (see 'ecospace hooks list' and 'ecospace hooks deliveries')")
	}
	var evs []string
	if sub == "add" {
		if err := hooks.CheckURL(*hookURL); err != nil {
			return bad("--url: %v", err)
		}
		for _, e := range strings.Split(*events, ",") {
			if e = strings.TrimSpace(e); e != "" {
				evs = append(evs, e)
			}
		}
		if _, err := hooks.CheckEvents(evs); err != nil {
			return bad("--events: %v", err)
		}
		if err := hooks.CheckSecret(*secret); err != nil {
			return bad("--secret: %v", err)
		}
	}
	if *limit < 1 || *limit > 1000 {
		return bad("--limit %d: give 1 to 1000", *limit)
	}
	if *dbURL == "" {
		return bad("hooks live in the PostGIS database: pass --database-url (or set DATABASE_URL). " +
			"With the embedded store they live in the memory of the running 'ecospace serve': " +
			"use its API, e.g. curl -X POST http://127.0.0.1:8080/api/v1/hooks -H 'Authorization: Bearer <admin key>' " +
			`-H 'Content-Type: application/json' -d '{"url":"https://…","events":["decision.changed"]}'`)
	}
	if msg := checkDatabaseURL(*dbURL); msg != "" {
		return bad("%s: %s", flagName(fs, "database-url", "DATABASE_URL"), msg)
	}
	st, err := openStore(ctx, slog.New(slog.DiscardHandler), *dbURL, *migrate)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	hs, ok := st.(data.HookStore)
	if !ok {
		return errors.New("the store at --database-url keeps no webhooks")
	}
	return hooksDo(ctx, hs, sub, pos, hookSpec{url: *hookURL, events: evs, secret: *secret}, *limit, stdout, stderr)
}

type hookSpec struct {
	url, secret string
	events      []string
}

// hooksDo runs a hooks subcommand on the store.
func hooksDo(ctx context.Context, hs data.HookStore, sub string, pos []string, spec hookSpec, limit int, stdout, stderr io.Writer) error {
	notFound := func(err error, what string) error {
		if errors.Is(err, data.ErrHookNotFound) {
			return fmt.Errorf("no %s %q (see 'ecospace hooks list' and 'ecospace hooks deliveries')", what, pos[0])
		}
		return err
	}
	switch sub {
	case "add":
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		made := spec.secret == ""
		if made {
			if spec.secret, err = hooks.NewSecret(); err != nil {
				return err
			}
		}
		h := &data.Hook{ID: id.String(), URL: spec.url, Events: spec.events, Secret: spec.secret, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		if err := hs.AddHook(ctx, h); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", h.ID)
		if made {
			fmt.Fprintln(stdout, h.Secret)
			fmt.Fprintln(stderr, "added the hook above; its signing secret (below the id) is shown this once: give it to the receiver now.")
		} else {
			fmt.Fprintln(stderr, "added the hook above, signing with the secret given.")
		}
	case "list":
		list, err := hs.Hooks(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tCREATED")
		for _, h := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.ID, h.URL, strings.Join(h.Events, ","), h.CreatedAt.Format(time.RFC3339))
		}
		tw.Flush()
		if len(list) == 0 {
			fmt.Fprintln(stderr, "no hooks")
		}
	case "remove":
		if err := hs.RemoveHook(ctx, pos[0]); err != nil {
			return notFound(err, "hook")
		}
		fmt.Fprintf(stdout, "removed hook %s and its deliveries\n", pos[0])
	case "deliveries":
		ds, err := hs.Deliveries(ctx, pos[0], "", limit)
		if err != nil {
			return notFound(err, "hook")
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DELIVERY\tEVENT\tSTATUS\tATTEMPTS\tNEXT ATTEMPT\tLAST ERROR")
		for _, d := range ds {
			next := "-"
			if !d.NextAttempt.IsZero() {
				next = d.NextAttempt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Event.Type, d.Status, d.Attempts, next, d.LastError)
		}
		tw.Flush()
	case "redeliver":
		d, err := hs.Redeliver(ctx, pos[0], time.Now().UTC().Truncate(time.Millisecond))
		if err != nil {
			return notFound(err, "delivery")
		}
		fmt.Fprintf(stdout, "delivery %s is due again now (same id; retried for a day)\n", d.ID)
	}
	return nil
}
