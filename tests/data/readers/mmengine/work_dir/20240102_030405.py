model = dict(type='ImageClassifier')
