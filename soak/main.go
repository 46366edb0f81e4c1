// Command soak is the fault-matrix soak (make soak): a whole amoflow in one
// process — the HTTP starter, RabbitMQ, the bridge, an embedded Temporal
// server on a file database, the workers, tokens in a scratch Postgres
// database, the fake amoCRM and the fake 1C — takes a mixed stream of site
// forms, amoCRM webhooks and 1C calls while faults are injected on a
// schedule: amoCRM 429 bursts, 5xx answers, slow answers, dropped
// connections, a lost refresh answer and an account block (403); RabbitMQ and
// Postgres going away; the workers, the bridge and Temporal restarting; 1C
// down for minutes. Then it waits for quiescence and checks, from the fakes'
// state and Temporal's visibility, that every accepted request had its
// effect exactly once, that no workflow ended failed and nothing was
// dead-lettered, and how long each fault took to recover from.
//
// RabbitMQ and Postgres are shared with other work on a development machine:
// their "restart" is every connection cut through a TCP proxy and new ones
// refused for the outage. -real-restarts runs the given stop and start
// commands instead, for a dedicated machine.
//
// The run is bounded (default 10 minutes of traffic, at most 4 of drain);
// -short is a 2-minute smoke run with the same schedule compressed. It
// prints a table, writes it to -out (soak.md, soak.json) and exits non-zero
// when a target is missed. See RELIABILITY.md.
//
//	go run ./soak [-duration 10m] [-short] [-out soak/results]
package main

import (
	"flag"
	"log"
	"os"
	"time"
)

type options struct {
	config   string
	postgres string
	duration time.Duration // of the traffic; the fault schedule scales with it
	drain    time.Duration // longest wait for quiescence after the traffic
	rate     float64       // multiplies every stream's rate
	out      string
	repeatAt time.Duration // a repeat form comes from a person first seen this long ago or more

	realRestarts  bool
	rabbitStop    string
	rabbitStart   string
	postgresStop  string
	postgresStart string
}

func main() {
	log.SetFlags(log.Ltime)
	var o options
	short := flag.Bool("short", false, "2-minute smoke run (2m of traffic, schedule compressed, 2m of drain)")
	flag.StringVar(&o.config, "config", "config/example.yaml", "amoflow configuration (accounts, RabbitMQ)")
	flag.StringVar(&o.postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "server on which a scratch database is created and dropped")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "length of the traffic; the fault schedule is scaled to it")
	flag.DurationVar(&o.drain, "drain", 4*time.Minute, "longest wait for quiescence after the traffic")
	flag.Float64Var(&o.rate, "rate", 1, "multiplies the rate of every stream (1: about 40 % of the retail account's budget)")
	flag.StringVar(&o.out, "out", "soak/results", "directory for soak.md, soak.json and soak.log")
	flag.DurationVar(&o.repeatAt, "repeat-after", 20*time.Second, "a repeat form comes from a person whose first form is at least this old")
	flag.BoolVar(&o.realRestarts, "real-restarts", false, "restart the real RabbitMQ and Postgres with the commands below instead of cutting the proxies (dedicated machine only)")
	flag.StringVar(&o.rabbitStop, "rabbitmq-stop", "sudo systemctl stop rabbitmq-server", "with -real-restarts")
	flag.StringVar(&o.rabbitStart, "rabbitmq-start", "sudo systemctl start rabbitmq-server", "with -real-restarts")
	flag.StringVar(&o.postgresStop, "postgres-stop", "sudo systemctl stop postgresql", "with -real-restarts")
	flag.StringVar(&o.postgresStart, "postgres-start", "sudo systemctl start postgresql", "with -real-restarts")
	flag.Parse()
	if *short {
		o.duration, o.drain = 2*time.Minute, 2*time.Minute
		if o.out == "soak/results" {
			o.out = "soak/results/short"
		}
	}
	ok, err := run(o)
	if err != nil {
		log.Fatal(err)
	}
	if !ok {
		os.Exit(1)
	}
}
