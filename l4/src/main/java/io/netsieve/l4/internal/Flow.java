package io.netsieve.l4.internal;

import io.netsieve.l4.flow.FlowTable;

/**
 * What the connection table holds per flow: a {@link Connection}, an {@link OpeningFlow} (the first packets of a
 * TCP flow, kept compact until the flow needs its full state), or an {@link IdleConnection} (a connection idle
 * after its chunk was written, kept compact until its next packet). Both sit in the least-recently-seen list used for
 * eviction and know their entry in the flow table, whose columns are the only copy of the flow's key.
 */
abstract sealed class Flow implements FlowTable.Indexed permits Connection, OpeningFlow, IdleConnection {
    /** Eviction list neighbours (least recently seen first), while the table keeps the list (see ConnectionTable). */
    Flow lruPrev;
    Flow lruNext;
    /** The table's touch clock at this flow's last packet: its place in the eviction order when there is no list. */
    long touched;
    /** Entry index in the flow table (told by the table when the flow is put; entries never move). */
    int index = -1;

    @Override
    public final void tableIndex(int index) {
        this.index = index;
    }

    /** Time of the flow's last packet. */
    abstract long lastSeen();
}
