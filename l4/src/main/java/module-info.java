/** netsieve l4 (its API packages are exported as they land). */
module io.netsieve.l4 {
    requires transitive io.netsieve.core;
}
