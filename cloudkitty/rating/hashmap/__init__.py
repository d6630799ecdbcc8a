"""The ``hashmap`` rating module (spec v1 §3.4, §4).

The processor keeps an immutable :class:`~.index.Index` of every hashmap
rule. :meth:`HashMap.reload` reads the rules generation stamp (one small
query) and reloads the rules only when it changed; :meth:`HashMap.process`
never touches the database: the rules in force at the frame start and the
scope's tenant rules are resolved from the index (and memoised).
"""

from cloudkitty import rating
from cloudkitty.rating import modules
from cloudkitty.rating.hashmap import index as hashmap_index
from cloudkitty.rating.hashmap import rules as hashmap_rules


class HashMap(rating.RatingProcessor):
    module_id = 'hashmap'
    description = 'HashMap rating module.'
    hot_config = True

    def __init__(self, conf):
        super().__init__(conf)
        self._index = hashmap_index.Index(hashmap_rules.RuleSet())
        self._generation = None

    @property
    def index(self):
        return self._index

    def set_rules(self, ruleset, generation=None):
        """Use ``ruleset`` (a :class:`~.rules.RuleSet`) from now on."""
        self._index = hashmap_index.Index(ruleset)
        self._generation = generation

    def reload(self, context, at=None):
        generation = modules.rules_generation(context)
        if generation != self._generation:
            # NOTE(ck): the stamp is read before the rules: a write landing
            # in between makes the next reload load again, never miss one.
            from cloudkitty.rating.hashmap import db as hashmap_db
            self.set_rules(hashmap_db.load_ruleset(context), generation)

    def process(self, frame, scope_id, at):
        return self._index.rate_frame(frame, scope_id, at)
