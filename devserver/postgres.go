package devserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // registers postgres12_pgx
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/schema"
	pgschema "go.temporal.io/server/schema/postgresql/v12"
)

// Postgres places the server's data in PostgreSQL, in two databases as a
// production cluster keeps them: the main store (executions, history,
// task queues, namespaces) and the visibility store (workflow lists and
// search attributes). Both must exist; an empty one gets the schema from
// the schema files built into the server, at the version this server
// checks for at start, so the database is what a production cluster of
// this server version runs on.
type Postgres struct {
	// URL is the main store: postgres://user[:password]@host:port/database,
	// its query string passed to the driver (sslmode=disable, ...).
	URL string
	// VisibilityDatabase is the visibility store's database on the same
	// server; the default is the main database's name + "_visibility".
	VisibilityDatabase string
	// HistoryShards is the number of history shards (default 4). A shard
	// is the unit of serialization of the history service; the count of a
	// database can never change.
	HistoryShards int32
	// MaxConns bounds each store's connection pool (default 20, the
	// server's sample configuration).
	MaxConns int
}

// PostgresPlugin is the server's SQL plugin used for PostgreSQL (pgx driver).
const PostgresPlugin = "postgres12_pgx"

// sqlConfig is the plugin configuration of one database named by u.
func (p *Postgres) sqlConfig(u *url.URL, database string) *config.SQL {
	conf := &config.SQL{
		PluginName:        PostgresPlugin,
		DatabaseName:      database,
		ConnectAddr:       u.Host,
		ConnectProtocol:   "tcp",
		User:              u.User.Username(),
		MaxConns:          p.MaxConns,
		MaxIdleConns:      p.MaxConns,
		ConnectAttributes: map[string]string{},
	}
	conf.Password, _ = u.User.Password()
	for k, v := range u.Query() {
		conf.ConnectAttributes[k] = v[0]
	}
	return conf
}

// setupPostgres returns the PostgreSQL persistence for opts, creating the
// schema in empty databases, and the namespace and search attributes if
// missing.
func setupPostgres(ctx context.Context, opts Options) (config.Persistence, error) {
	p := *opts.Postgres
	u, err := url.Parse(p.URL)
	if err != nil || u.Host == "" {
		return config.Persistence{}, fmt.Errorf("postgres URL %q: want postgres://user@host:port/database", p.URL)
	}
	if u.Port() == "" {
		u.Host += ":5432"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" {
		return config.Persistence{}, fmt.Errorf("postgres URL %q names no database", p.URL)
	}
	if p.VisibilityDatabase == "" {
		p.VisibilityDatabase = db + "_visibility"
	}
	if p.HistoryShards == 0 {
		p.HistoryShards = 4
	}
	if p.MaxConns == 0 {
		p.MaxConns = 20
	}
	main, vis := p.sqlConfig(u, db), p.sqlConfig(u, p.VisibilityDatabase)
	if err := setupSchema(main, "postgresql/v12/temporal", pgschema.Version); err != nil {
		return config.Persistence{}, fmt.Errorf("schema of %s: %w", db, err)
	}
	if err := setupSchema(vis, "postgresql/v12/visibility", pgschema.VisibilityVersion); err != nil {
		return config.Persistence{}, fmt.Errorf("schema of %s: %w", p.VisibilityDatabase, err)
	}
	if err := createNamespace(ctx, main, opts); err != nil {
		return config.Persistence{}, err
	}
	return config.Persistence{
		DefaultStore:     "postgres",
		VisibilityStore:  "postgres-visibility",
		NumHistoryShards: p.HistoryShards,
		DataStores: map[string]config.DataStore{
			"postgres":            {SQL: main},
			"postgres-visibility": {SQL: vis},
		},
	}, nil
}

// setupSchema gives an empty database the server's schema dir/schema.sql
// and records it as version, as `temporal-sql-tool setup-schema -v version
// --schema-name dir` does (that tool's package would add a CLI dependency
// to the build). A database that has a schema is left alone; one at
// another version is refused: it needs temporal-sql-tool update-schema.
func setupSchema(conf *config.SQL, dir, version string) error {
	db, err := sql.NewSQLAdminDB(sqlplugin.DbKindUnknown, conf, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }() // an admin connection: nothing to do if closing fails
	if have, err := db.ReadSchemaVersion(conf.DatabaseName); err == nil && have != "" {
		if have != version {
			return fmt.Errorf("schema version %s, this server needs %s (temporal-sql-tool update-schema)", have, version)
		}
		return nil
	}
	text, err := fs.ReadFile(schema.Assets(), path.Join(dir, "schema.sql"))
	if err != nil {
		return err
	}
	stmts, err := persistence.LoadAndSplitQueryFromReaders([]io.Reader{bytes.NewReader(text)})
	if err != nil {
		return err
	}
	if err := db.CreateSchemaVersionTables(); err != nil {
		return err
	}
	for _, stmt := range stmts {
		if err := db.Exec(stmt); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(strings.TrimSpace(stmt), "\n", 2)[0], err)
		}
	}
	if err := db.UpdateSchemaVersion(conf.DatabaseName, version, version); err != nil {
		return err
	}
	return db.WriteSchemaUpdateLog("0", version, "", "initial version")
}
