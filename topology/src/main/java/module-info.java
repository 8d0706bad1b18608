/** netsieve topology (its API packages are exported as they land). */
module io.netsieve.topology {
    requires transitive io.netsieve.l7;
}
