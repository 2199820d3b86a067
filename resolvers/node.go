package resolvers

import (
	"context"

	"loyaltygraph/domain/errs"
	"loyaltygraph/resolvers/gqltypes"
)

// maxNodes bounds one nodes(ids:) call.
const maxNodes = 100

// resolveNodes loads objects by global id with one query per type, and
// returns them in the order asked, nil where missing or not visible to the
// principal.
func (r *Resolver) resolveNodes(ctx context.Context, gids []string) ([]gqltypes.Node, error) {
	if len(gids) > maxNodes {
		return nil, errs.InvalidField("ids", "at most %d ids at once", maxNodes)
	}
	out := make([]gqltypes.Node, len(gids))
	byType := map[string][]int{}
	natives := make([]string, len(gids))
	for i, gid := range gids {
		typ, id, err := parseGlobalID(gid)
		if err != nil {
			return nil, err
		}
		natives[i] = id
		byType[typ] = append(byType[typ], i)
	}
	for typ, idx := range byType {
		switch typ {
		case typeUser, typeCard:
			// One user or card per id: nodes of these types come one at a
			// time from clients, and the scope check is per object.
			for _, i := range idx {
				var n gqltypes.Node
				var err error
				if typ == typeUser {
					n, err = r.UserOps.Get(ctx, natives[i])
				} else {
					n, err = r.UserOps.Card(ctx, natives[i])
				}
				switch c := errs.CodeOf(err); {
				case err == nil:
					out[i] = n
				case c == errs.NotFound || c == errs.Forbidden || c == errs.Invalid || c == errs.Unauthenticated:
				default:
					return nil, err
				}
			}
		case typeMerchant:
			ids := make([]string, len(idx))
			for j, i := range idx {
				ids[j] = natives[i]
			}
			list, err := r.MerchantOps.GetMany(ctx, ids)
			if errs.Is(err, errs.Forbidden) {
				continue // not visible to this principal: null, as for a missing node
			}
			if err != nil {
				return nil, err
			}
			found := make(map[string]gqltypes.Node, len(list))
			for _, m := range list {
				found[m.ID] = m
			}
			for _, i := range idx {
				if n, ok := found[natives[i]]; ok {
					out[i] = n
				}
			}
		}
	}
	return out, nil
}
