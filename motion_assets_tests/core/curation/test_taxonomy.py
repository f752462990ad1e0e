import pytest

from motion_assets.core.curation.taxonomy import (
    TaxonomyError,
    load_taxonomy,
    parse_taxonomy,
    taxonomy_changes,
)


def test_a_taxonomy_file_reads_every_kind_of_decision(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("clusters:\n  0: {name: pick}\n  3: {merge_into: 0}\n  4: {merge_into: 3}\n"
                    "  5: {not_an_action: true, note: shake}\n  2: {split: 2, names: [a, b]}\n"
                    "  6: carry\naccept:\n  cand-1: drop\n")
    taxonomy = load_taxonomy(str(path))
    assert taxonomy.clusters[0].name == "pick" and taxonomy.clusters[6].name == "carry"
    assert taxonomy.merge_target(4) == 0 and taxonomy.merge_target(2) == 2
    assert taxonomy.clusters[5].not_an_action and taxonomy.clusters[2].names == ("a", "b")
    assert taxonomy.accept == {"cand-1": "drop"} and len(taxonomy.sha256) == 64


def test_a_missing_file_is_an_empty_taxonomy(tmp_path):
    taxonomy = load_taxonomy(str(tmp_path / "none.yaml"))
    assert taxonomy.clusters == {} and taxonomy.sha256 is None


@pytest.mark.parametrize("document, where", [
    ({"clusters": {0: {"nmae": "x"}}}, "clusters.0: unknown key(s) ['nmae']"),
    ({"clusters": {0: {"merge_into": 1}, 1: {"merge_into": 0}}}, "cycle"),
    ({"clusters": {0: {"merge_into": 0}}}, "cannot merge into itself"),
    ({"clusters": {0: {"merge_into": 1, "name": "x"}}}, "merge_into goes alone"),
    ({"clusters": {0: {"split": 1}}}, "clusters.0.split"),
    ({"clusters": {0: {"split": 2, "names": ["a", "b", "c"]}}}, "clusters.0.names"),
    ({"clusters": {"x": {"name": "a"}}}, "non-negative integer"),
    ({"clusters": {0: {"merge_into": 1}, 1: {"split": 2}}}, "is split"),
    ({"accept": {"cand-1": ""}}, "accept.cand-1"),
    ({"clusterz": {}}, "unknown key(s) ['clusterz']"),
    ([1, 2], "expected a mapping"),
])
def test_a_bad_taxonomy_is_refused_with_one_line_naming_the_place(document, where):
    with pytest.raises(TaxonomyError) as error:
        parse_taxonomy(document, "v.yaml")
    message = str(error.value)
    assert where in message and message.startswith("taxonomy v.yaml: ") and "\n" not in message


def test_a_yaml_syntax_error_is_one_line(tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text("clusters: {0: [\n")
    with pytest.raises(TaxonomyError, match="cannot be read") as error:
        load_taxonomy(str(path))
    assert "\n" not in str(error.value)


def test_decisions_about_clusters_the_model_lacks_are_refused():
    taxonomy = parse_taxonomy({"clusters": {7: {"name": "x"}}, "accept": {"cand-9": "y"}}, "v.yaml")
    with pytest.raises(TaxonomyError, match="no cluster 7"):
        taxonomy.check_clusters({0, 1})
    with pytest.raises(TaxonomyError, match="accept.cand-9"):
        parse_taxonomy({"accept": {"cand-9": "y"}}).check_clusters({0}, candidates={"cand-1"})


def test_changes_say_what_a_person_decided():
    before = parse_taxonomy({"clusters": {0: {"name": "pick"}, 1: {"name": "x"}}})
    after = parse_taxonomy({"clusters": {0: {"name": "grab"}, 2: {"merge_into": 0}},
                            "accept": {"cand-1": "drop"}})
    lines = taxonomy_changes(before, after)
    assert lines == ["cluster 0: named 'pick' -> named 'grab'",
                     "cluster 1: decision removed (was named 'x')",
                     "cluster 2: merged into 0",
                     "candidate cand-1: accepted as 'drop'"]


def test_a_taxonomy_survives_its_table_form():
    from motion_assets.core.curation.taxonomy import taxonomy_from_table, taxonomy_table

    taxonomy = parse_taxonomy({"clusters": {0: {"name": "pick"}, 3: {"merge_into": 0},
                                            2: {"split": 2, "names": ["a"]},
                                            5: {"not_an_action": True, "note": "n"}},
                               "accept": {"cand-1": "drop"}}, sha256="ab" * 32)
    again = taxonomy_from_table(taxonomy_table(taxonomy))
    assert again.clusters == taxonomy.clusters and again.accept == taxonomy.accept
    assert again.sha256 == taxonomy.sha256
