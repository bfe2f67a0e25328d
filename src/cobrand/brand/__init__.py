"""Logo and colour geometry shared by load, the brand checks and render.

Where a logo's ink is (:mod:`.ink`, measured at load), logos without their
margins (:mod:`.trim`), lockups sized by the ``[brand]`` rules
(:mod:`.lockup`), partner colours made readable (:mod:`.palette`), and the
brand checks a build reports before rendering (:mod:`.checks`). It depends
only on the shared models below every stage, so load, validation and render
all use one computation.
"""
