package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// Watcher is a tray host for tests: it owns org.kde.StatusNotifierWatcher
// on a private bus, as a panel (xfce4-panel, plasmashell, waybar) does, and
// records the items that register. It stands in for the panel because a
// test must read the icon and menu and click items without a screen.
//
// Like a real watcher that restarts, [Watcher.Release] gives the name up and
// [Watcher.Acquire] takes it again with an empty list of items, so a test
// can check that an item registers anew.
type Watcher struct {
	bus   *Bus
	conn  *dbus.Conn
	props *prop.Properties

	mu    sync.Mutex
	items []string   // registered items, "bus-name/object/path", in order
	regs  chan *Item // every registration, for Registrations
	calls int        // RegisterStatusNotifierItem calls, duplicates included
}

// Item is a StatusNotifierItem that registered with a [Watcher]: a bus name
// and an object path, which the test can read and click through.
type Item struct {
	// Service is the item's bus name (often the unique name of the
	// program's connection) and Path its object path.
	Service string
	Path    dbus.ObjectPath

	conn *dbus.Conn
}

// NewWatcher starts a [Watcher] on bus and stops it in the test's Cleanup.
func NewWatcher(t TB, bus *Bus) *Watcher {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	w, err := StartWatcher(ctx, bus)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// StartWatcher connects to bus, exports the watcher and takes its name. The
// caller must Close it.
func StartWatcher(ctx context.Context, bus *Bus) (*Watcher, error) {
	conn, err := bus.Connect(context.Background()) // lives until Close, not ctx
	if err != nil {
		return nil, err
	}
	w := &Watcher{bus: bus, conn: conn, regs: make(chan *Item, 64)}
	if err := conn.Export(watcherMethods{w}, dbusname.WatcherPath, dbusname.Watcher); err != nil {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: export the watcher: %w", err)
	}
	w.props, err = prop.Export(conn, dbusname.WatcherPath, map[string]map[string]*prop.Prop{
		dbusname.Watcher: {
			"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
			"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
			"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
		},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: export the watcher's properties: %w", err)
	}
	if err := w.Acquire(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return w, nil
}

// Close releases the name and disconnects.
func (w *Watcher) Close() error { return w.conn.Close() }

// Release gives up the watcher's name, as a panel that quits does.
func (w *Watcher) Release(ctx context.Context) error {
	var reply dbus.ReleaseNameReply
	err := w.conn.BusObject().CallWithContext(ctx, dbusname.Bus+".ReleaseName", 0, dbusname.Watcher).Store(&reply)
	if err != nil || reply != dbus.ReleaseNameReplyReleased {
		return fmt.Errorf("desktoptest: release %s: %v (reply %d)", dbusname.Watcher, err, reply)
	}
	return nil
}

// Acquire takes the watcher's name with an empty list of items, as a panel
// that starts (or restarts) does.
func (w *Watcher) Acquire(ctx context.Context) error {
	w.mu.Lock()
	w.items = nil
	w.mu.Unlock()
	w.props.SetMust(dbusname.Watcher, "RegisteredStatusNotifierItems", []string{})
	var reply dbus.RequestNameReply
	err := w.conn.BusObject().CallWithContext(ctx, dbusname.Bus+".RequestName", 0, dbusname.Watcher, uint32(dbus.NameFlagDoNotQueue)).Store(&reply)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("desktoptest: take %s: %v (reply %d)", dbusname.Watcher, err, reply)
	}
	return nil
}

// Registrations receives each item as it registers (a repeated
// registration of the same item too).
func (w *Watcher) Registrations() <-chan *Item { return w.regs }

// WaitForItem waits for the next registration.
func (w *Watcher) WaitForItem(ctx context.Context) (*Item, error) {
	select {
	case it := <-w.regs:
		return it, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("desktoptest: no item registered with the watcher: %w", ctx.Err())
	}
}

// Items lists the registered items as "bus-name/object/path".
func (w *Watcher) Items() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.items...)
}

// Calls counts RegisterStatusNotifierItem calls, duplicates included.
func (w *Watcher) Calls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls
}

// watcherMethods holds the methods exported on the bus, apart from the
// Watcher's own Go methods.
type watcherMethods struct{ w *Watcher }

// RegisterStatusNotifierItem follows what xfce4-panel and KDE do: the
// argument is an object path (then the item lives on the caller's
// connection) or a bus name (then at /StatusNotifierItem).
func (m watcherMethods) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := &Item{Service: service, Path: dbusname.ItemPath, conn: m.w.conn}
	if strings.HasPrefix(service, "/") {
		it.Service, it.Path = string(sender), dbus.ObjectPath(service)
	}
	key := it.Service + string(it.Path)
	w := m.w
	w.mu.Lock()
	w.calls++
	fresh := true
	for _, k := range w.items {
		fresh = fresh && k != key
	}
	if fresh {
		w.items = append(w.items, key)
	}
	items := append([]string(nil), w.items...)
	w.mu.Unlock()
	if fresh {
		w.props.SetMust(dbusname.Watcher, "RegisteredStatusNotifierItems", items)
		_ = w.conn.Emit(dbusname.WatcherPath, dbusname.Watcher+".StatusNotifierItemRegistered", key)
	}
	select {
	case w.regs <- it:
	default: // nobody is reading; the list still has it
	}
	return nil
}

// RegisterStatusNotifierHost accepts a host; the watcher is its own host.
func (watcherMethods) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// ItemProps are the StatusNotifierItem properties a person sees.
type ItemProps struct {
	Status      string   // "Active", "Passive" or "NeedsAttention"
	Title       string   // the item's title
	ID          string   // the item's Id
	ToolTip     string   // the tooltip's title
	ToolTipBody string   // the tooltip's description
	Icons       []Pixmap // IconPixmap: the icon at each size the item offers
	Menu        dbus.ObjectPath
}

// Pixmap is one IconPixmap image: ARGB32 in network byte order, as the
// StatusNotifierItem spec has it.
type Pixmap struct {
	W, H int32
	ARGB []byte
}

// Properties reads the item's properties through
// org.freedesktop.DBus.Properties.GetAll, as a panel does.
func (it *Item) Properties(ctx context.Context) (ItemProps, error) {
	var all map[string]dbus.Variant
	err := it.conn.Object(it.Service, it.Path).
		CallWithContext(ctx, dbusname.Properties+".GetAll", 0, dbusname.Item).Store(&all)
	if err != nil {
		return ItemProps{}, fmt.Errorf("desktoptest: read the item's properties: %w", err)
	}
	var p ItemProps
	var tip struct {
		Icon  string
		Icons []Pixmap
		Title string
		Body  string
	}
	for name, dst := range map[string]any{
		"Status": &p.Status, "Title": &p.Title, "Id": &p.ID,
		"IconPixmap": &p.Icons, "ToolTip": &tip, "Menu": &p.Menu,
	} {
		v, ok := all[name]
		if !ok {
			continue
		}
		if err := dbus.Store([]any{v.Value()}, dst); err != nil {
			return ItemProps{}, fmt.Errorf("desktoptest: read the item's %s: %w", name, err)
		}
	}
	p.ToolTip, p.ToolTipBody = tip.Title, tip.Body
	return p, nil
}

// MenuItem is one entry of a com.canonical.dbusmenu menu.
type MenuItem struct {
	ID          int32
	Label       string
	Enabled     bool
	Visible     bool
	Type        string // "separator" or "" (standard)
	ToggleType  string // "checkmark", "radio" or ""
	ToggleState int32  // 1 checked, 0 not, -1 unknown
	Children    []MenuItem
}

// Find returns the first item, at any depth, whose label is label.
func (m MenuItem) Find(label string) (MenuItem, bool) {
	for _, c := range m.Children {
		if c.Label == label {
			return c, true
		}
		if f, ok := c.Find(label); ok {
			return f, true
		}
	}
	return MenuItem{}, false
}

// Labels lists the labels of the visible items at the top level, with
// "---" for separators.
func (m MenuItem) Labels() []string {
	var out []string
	for _, c := range m.Children {
		switch {
		case !c.Visible:
		case c.Type == "separator":
			out = append(out, "---")
		default:
			out = append(out, c.Label)
		}
	}
	return out
}

// MenuLines lists what a person reads at the top level of menu m: each
// visible entry that is not a separator, as its label and whether it can be
// picked. L is the caller's own struct of those two fields, so that a test
// can write the lines it wants as short literals (go vet asks for field
// names in a literal of another package's struct).
func MenuLines[L ~struct {
	Label   string
	Enabled bool
}](m MenuItem) []L {
	var out []L
	for _, c := range m.Children {
		if c.Visible && c.Type != "separator" {
			out = append(out, L{Label: c.Label, Enabled: c.Enabled})
		}
	}
	return out
}

// Menu reads the item's whole menu through com.canonical.dbusmenu.GetLayout.
// fyne.io/systray answers the first GetLayout with one level only, whatever
// depth is asked, so Menu asks again for every item that has children
// but came without them, as libdbusmenu does when a submenu opens.
func (it *Item) Menu(ctx context.Context) (MenuItem, error) {
	p, err := it.Properties(ctx)
	if err != nil {
		return MenuItem{}, err
	}
	if p.Menu == "" || p.Menu == "/" {
		return MenuItem{}, errors.New("desktoptest: the item has no menu")
	}
	return it.layout(ctx, p.Menu, 0, 0)
}

// layoutNode is the (ia{sv}av) of GetLayout.
type layoutNode struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

func (it *Item) layout(ctx context.Context, menu dbus.ObjectPath, parent int32, depth int) (MenuItem, error) {
	if depth > 8 {
		return MenuItem{}, errors.New("desktoptest: the menu nests deeper than 8 levels")
	}
	var rev uint32
	var root layoutNode
	err := it.conn.Object(it.Service, menu).CallWithContext(ctx, "com.canonical.dbusmenu.GetLayout", 0,
		parent, int32(-1), []string{}).Store(&rev, &root)
	if err != nil {
		return MenuItem{}, fmt.Errorf("desktoptest: GetLayout(%d): %w", parent, err)
	}
	m, err := it.convert(ctx, menu, root, depth)
	if err != nil {
		return MenuItem{}, err
	}
	return m, nil
}

func (it *Item) convert(ctx context.Context, menu dbus.ObjectPath, n layoutNode, depth int) (MenuItem, error) {
	m := MenuItem{ID: n.ID, Enabled: true, Visible: true, ToggleState: -1}
	for k, v := range n.Props {
		switch k {
		case "label":
			m.Label, _ = v.Value().(string)
		case "enabled":
			m.Enabled, _ = v.Value().(bool)
		case "visible":
			m.Visible, _ = v.Value().(bool)
		case "type":
			m.Type, _ = v.Value().(string)
		case "toggle-type":
			m.ToggleType, _ = v.Value().(string)
		case "toggle-state":
			m.ToggleState, _ = v.Value().(int32)
		}
	}
	for _, cv := range n.Children {
		var child layoutNode
		if err := dbus.Store([]any{cv.Value()}, &child); err != nil {
			return MenuItem{}, fmt.Errorf("desktoptest: a menu item of %d: %w", n.ID, err)
		}
		c, err := it.convert(ctx, menu, child, depth+1)
		if err != nil {
			return MenuItem{}, err
		}
		m.Children = append(m.Children, c)
	}
	if disp, _ := n.Props["children-display"].Value().(string); disp == "submenu" && len(n.Children) == 0 && n.ID != 0 {
		sub, err := it.layout(ctx, menu, n.ID, depth+1)
		if err != nil {
			return MenuItem{}, err
		}
		m.Children = sub.Children
	}
	return m, nil
}

// MenuEntry reads the item's menu and returns its entry labelled label, at
// any depth, as a person looks for it before clicking; the error lists the
// labels the menu has.
func (it *Item) MenuEntry(ctx context.Context, label string) (MenuItem, error) {
	m, err := it.Menu(ctx)
	if err != nil {
		return MenuItem{}, err
	}
	e, ok := m.Find(label)
	if !ok {
		return MenuItem{}, fmt.Errorf("desktoptest: no %q in the menu %v", label, m.Labels())
	}
	return e, nil
}

// SectionEntry reads the item's menu and returns the entry labelled label
// in the section of env: the entries after the disabled line that starts
// "env · ", up to the next such line, as biot-agent's tray draws one
// section per environment. The error lists the labels the menu has.
func (it *Item) SectionEntry(ctx context.Context, env, label string) (MenuItem, error) {
	m, err := it.Menu(ctx)
	if err != nil {
		return MenuItem{}, err
	}
	in := false
	for _, c := range m.Children {
		switch {
		case !c.Visible || c.Type == "separator":
		case !c.Enabled && strings.HasPrefix(c.Label, env+" · "):
			in = true
		case in && !c.Enabled && strings.Contains(c.Label, " · "):
			in = false // the next section
		case in && c.Label == label:
			return c, nil
		}
	}
	return MenuItem{}, fmt.Errorf("desktoptest: no %q in the section of %s: the menu is %v", label, env, m.Labels())
}

// Click sends the dbusmenu "clicked" event for the item id, as a panel does
// when the person picks it.
func (it *Item) Click(ctx context.Context, id int32) error {
	p, err := it.Properties(ctx)
	if err != nil {
		return err
	}
	err = it.conn.Object(it.Service, p.Menu).CallWithContext(ctx, "com.canonical.dbusmenu.Event", 0,
		id, "clicked", dbus.MakeVariant(""), uint32(0)).Err
	if err != nil {
		return fmt.Errorf("desktoptest: click menu item %d: %w", id, err)
	}
	return nil
}

// Opened sends the "opened" event for the top of the menu, as a panel does
// when the menu is shown.
func (it *Item) Opened(ctx context.Context) error {
	p, err := it.Properties(ctx)
	if err != nil {
		return err
	}
	return it.conn.Object(it.Service, p.Menu).CallWithContext(ctx, "com.canonical.dbusmenu.Event", 0,
		int32(0), "opened", dbus.MakeVariant(""), uint32(0)).Err
}
