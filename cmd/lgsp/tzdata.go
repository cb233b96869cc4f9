package main

// Calendar days, months and years are counted in Asia/Ho_Chi_Minh; embedding
// the zone database keeps that working on minimal images without tzdata.
import _ "time/tzdata"
