package devserver

// Temporary: pins the project's dependencies in go.mod until code imports them.
import (
	_ "github.com/google/uuid"
	_ "github.com/gorilla/mux"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/rabbitmq/amqp091-go"
	_ "go.temporal.io/sdk/client"
	_ "go.temporal.io/sdk/worker"
	_ "go.temporal.io/sdk/testsuite"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)
