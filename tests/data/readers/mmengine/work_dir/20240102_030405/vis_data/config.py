model = dict(type="ImageClassifier")
