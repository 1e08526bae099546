// Fixture: a public header of extract.
#pragma once
