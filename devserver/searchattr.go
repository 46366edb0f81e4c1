package devserver

import (
	"context"
	"fmt"
	"maps"
	"slices"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	"go.temporal.io/server/common/persistence/serialization"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/common/searchattribute/sadefs"
)

// addSearchAttributes maps each custom search attribute that the namespace
// lacks to a free preallocated column of its type (Int01, Keyword01, ...),
// and fails on one that exists with another type.
//
// It writes the namespace record before the server starts, as the
// operator API's AddSearchAttributes would while it runs. Done through the
// API, a new attribute would reach each service only at its next namespace
// cache refresh, up to two seconds later and not at once in all services.
func addSearchAttributes(ctx context.Context, conf *config.SQL, namespace string, attrs map[string]enums.IndexedValueType) error {
	if len(attrs) == 0 {
		return nil
	}
	serializer := serialization.NewSerializer()
	factory := sql.NewFactory(*conf, resolver.NewNoopResolver(), clusterName, log.NewNoopLogger(), metrics.NoopMetricsHandler, serializer)
	defer factory.Close()
	store, err := factory.NewMetadataStore()
	if err != nil {
		return err
	}
	mgr := persistence.NewMetadataManagerImpl(store, serializer, log.NewNoopLogger(), clusterName)

	// The notification version serves as the lock on the namespace table
	// and must be read before the namespace.
	meta, err := mgr.GetMetadata(ctx)
	if err != nil {
		return err
	}
	ns, err := mgr.GetNamespace(ctx, &persistence.GetNamespaceRequest{Name: namespace})
	if err != nil {
		return err
	}
	detail := ns.Namespace
	aliases := detail.GetConfig().GetCustomSearchAttributeAliases() // column → name
	if aliases == nil {
		aliases = make(map[string]string)
		detail.Config.CustomSearchAttributeAliases = aliases
	}
	columnOf := make(map[string]string, len(aliases))
	for col, name := range aliases {
		columnOf[name] = col
	}
	columns := sadefs.GetDBIndexSearchAttributes(nil).GetCustomSearchAttributes() // column → type

	changed := false
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		typ := attrs[name]
		if col, ok := columnOf[name]; ok {
			if columns[col] != typ {
				return fmt.Errorf("search attribute %q has type %v, not %v", name, columns[col], typ)
			}
			continue
		}
		free := ""
		for _, col := range slices.Sorted(maps.Keys(columns)) {
			if _, used := aliases[col]; !used && columns[col] == typ {
				free = col
				break
			}
		}
		if free == "" {
			return fmt.Errorf("search attribute %q: no %v columns left", name, typ)
		}
		aliases[free] = name
		changed = true
	}
	if !changed {
		return nil
	}
	detail.ConfigVersion++
	return mgr.UpdateNamespace(ctx, &persistence.UpdateNamespaceRequest{
		Namespace:           detail,
		IsGlobalNamespace:   ns.IsGlobalNamespace,
		NotificationVersion: meta.NotificationVersion,
	})
}
