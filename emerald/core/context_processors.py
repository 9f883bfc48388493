def emerald(request):
    return {}
