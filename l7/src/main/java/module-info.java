/** netsieve l7 (its API packages are exported as they land). */
module io.netsieve.l7 {
    requires transitive io.netsieve.l4;
}
